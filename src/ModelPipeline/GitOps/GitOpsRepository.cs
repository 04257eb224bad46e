using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Git;
using ModelPipeline.Progress;

namespace ModelPipeline.GitOps;

/// <summary>
/// A fresh working clone of the GitOps repository (in a temp folder, deleted on dispose).
/// All git work goes through <see cref="GitCli"/>: credentials only through the environment,
/// the remote URL is stored without them.
/// </summary>
public sealed partial class GitOpsRepository : IDisposable
{
    private readonly GitCli _git;
    private readonly GitOpsSettings _settings;
    private readonly IPipelineReporter _reporter;

    private GitOpsRepository(GitCli git, GitOpsSettings settings, string remote, string workDir, IPipelineReporter reporter)
    {
        _git = git;
        _settings = settings;
        _reporter = reporter;
        Remote = remote;
        WorkDir = workDir;
    }

    /// <summary>The remote URL or path (never with credentials).</summary>
    public string Remote { get; }

    public string WorkDir { get; }

    public string Branch => _settings.Branch;

    private string Tip => "refs/remotes/origin/" + _settings.Branch;

    /// <summary>Clones the configured repository, creating the local sandbox repository on first use.</summary>
    public static async Task<GitOpsRepository> OpenAsync(PipelineConfig config, IPipelineReporter reporter, CancellationToken ct)
    {
        var settings = config.GitOps;
        var remote = ResolveRemote(config);
        var credentials = new List<GitCredential>();
        if (settings.TokenEnv is { } tokenEnv && remote.StartsWith("http", StringComparison.OrdinalIgnoreCase))
        {
            var token = Environment.GetEnvironmentVariable(tokenEnv);
            if (string.IsNullOrEmpty(token))
                throw new InvalidInputException($"pipeline.json: gitops.tokenEnv names the environment variable {tokenEnv}, which is not set. Fix: export {tokenEnv}=<a token with push access to {Redactor.Redact(remote)}>.");
            Redactor.Register(token);
            credentials.Add(new GitCredential { UrlPrefix = remote, Username = settings.Username, Token = token });
        }
        var git = new GitCli(credentials);
        if (!IsUrl(remote) && !Directory.Exists(remote)) await CreateSandboxAsync(git, config, remote, reporter, ct);

        var workDir = Path.Combine(Path.GetTempPath(), "modelpipe-gitops", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path.GetDirectoryName(workDir)!);
        try
        {
            await git.RunAsync(null, ["clone", "--quiet", "--no-tags", remote, workDir], ct);
        }
        catch (GitException ex)
        {
            DeleteTree(workDir);
            throw new OperationFailedException($"the GitOps repository {Redactor.Redact(remote)} could not be cloned: {ex.StandardError.Trim()} Fix: check gitops.repository in pipeline.json and the token in {settings.TokenEnv ?? "gitops.tokenEnv"}.");
        }
        return new GitOpsRepository(git, settings, remote, workDir, reporter);
    }

    /// <summary>A file's content on the tip of the GitOps branch, or null when it (or the branch) does not exist.</summary>
    public Task<string?> ReadAsync(string path, CancellationToken ct) => ShowAsync(Tip, path, ct);

    /// <summary>The folders directly under <paramref name="dir"/> on the tip of the GitOps branch.</summary>
    public async Task<IReadOnlyList<string>> FoldersAsync(string dir, CancellationToken ct)
    {
        if (!await HasRefAsync(Tip, ct)) return [];
        if (!await HasRefAsync($"{Tip}:{dir}", ct)) return [];
        var output = await _git.RunAsync(WorkDir, ["ls-tree", "--name-only", "-d", $"{Tip}:{dir}"], ct);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal).ToList();
    }

    private async Task<string?> ShowAsync(string rev, string path, CancellationToken ct)
    {
        if (!await HasRefAsync($"{rev}:{path}", ct)) return null;
        return await _git.RunAsync(WorkDir, ["show", $"{rev}:{path}"], ct);
    }

    private async Task<bool> HasRefAsync(string rev, CancellationToken ct)
    {
        try
        {
            await _git.RunAsync(WorkDir, ["rev-parse", "--verify", "--quiet", rev], ct);
            return true;
        }
        catch (GitException)
        {
            return false;
        }
    }

    private static bool IsUrl(string remote) => remote.Contains("://", StringComparison.Ordinal) || System.Text.RegularExpressions.Regex.IsMatch(remote, @"^[\w.-]+@[\w.-]+:");

    private static string ResolveRemote(PipelineConfig config)
    {
        var repo = config.GitOps.Repository;
        return IsUrl(repo) ? repo : Path.GetFullPath(Path.Combine(config.RepoRoot, repo));
    }

    private static async Task CreateSandboxAsync(GitCli git, PipelineConfig config, string path, IPipelineReporter reporter, CancellationToken ct)
    {
        var sandbox = Path.GetFullPath(Path.Combine(config.RepoRoot, ".pipeline")) + Path.DirectorySeparatorChar;
        if (!path.StartsWith(sandbox, StringComparison.Ordinal))
            throw new InvalidInputException($"pipeline.json: gitops.repository '{config.GitOps.Repository}' does not exist ({path}). Fix: create the repository, or point gitops.repository at an existing one (only paths under .pipeline/ are created automatically).");
        var staging = path + $".{Guid.NewGuid():N}.tmp";
        Directory.CreateDirectory(staging);
        await git.RunAsync(staging, ["init", "--bare", "--quiet", $"--initial-branch={config.GitOps.Branch}"], ct);
        try
        {
            Directory.Move(staging, path);
            reporter.Info(null, $"created the local GitOps repository {path}");
        }
        catch (IOException) when (Directory.Exists(path))
        {
            DeleteTree(staging); // another process created it first
        }
    }

    public void Dispose() => DeleteTree(WorkDir);

    private static void DeleteTree(string dir)
    {
        if (!Directory.Exists(dir)) return;
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
            File.SetAttributes(file, FileAttributes.Normal);
        Directory.Delete(dir, recursive: true);
    }
}
