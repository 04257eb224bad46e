using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Git;
using ModelPipeline.Models;
using ModelPipeline.Progress;

namespace ModelPipeline.GitOps;

/// <summary>
/// The GitOps repository Argo CD deploys from, worked on through a cached clone (<see cref="GitClone"/>,
/// one per URL under the cache folder). <see cref="CommitFileAsync"/> uses the clone's commit-and-push
/// with bounded non-fast-forward retries; <see cref="OpenAsync"/> holds the clone's lock for a read
/// and promotion session until disposed. Credentials reach git only through the environment.
/// </summary>
public sealed partial class GitOpsRepository : IDisposable
{
    private readonly GitCli _git;
    private readonly GitClone _clone;
    private readonly GitOpsSettings _settings;
    private readonly IDisposable _held;

    private GitOpsRepository(GitCli git, GitClone clone, GitOpsSettings settings, IDisposable held)
    {
        _git = git;
        _clone = clone;
        _settings = settings;
        _held = held;
    }

    /// <summary>The remote URL or path (never with credentials).</summary>
    public string Remote => _clone.Remote.Url;

    public string WorkDir => _clone.WorkTree;

    public string Branch => _settings.Branch;

    private string Tip => "refs/remotes/origin/" + _settings.Branch;

    /// <summary>Locks the cached clone and brings it to the tip of the GitOps branch (or, without
    /// <paramref name="sync"/>, takes it as it is).</summary>
    public static async Task<GitOpsRepository> OpenAsync(PipelineConfig config, IPipelineReporter reporter,
        CancellationToken ct, bool sync = true)
    {
        var (git, clone) = await ConnectAsync(config, reporter, ct);
        var held = await clone.LockAsync(TimeSpan.FromMinutes(10), ct);
        try
        {
            if (sync) await clone.SyncAsync(ct);
            return new GitOpsRepository(git, clone, config.GitOps, held);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes one file on the GitOps branch (or removes it: <paramref name="content"/> null), commits and
    /// pushes (retrying a lost race from the new tip). Content already there (a file already absent)
    /// makes no commit: the result is then null. The commit's author is the configured one unless given.
    /// </summary>
    public static async Task<string?> CommitFileAsync(PipelineConfig config, IPipelineReporter reporter, string path, string? content,
        string message, CancellationToken ct, GitAuthor? author = null)
    {
        var (_, clone) = await ConnectAsync(config, reporter, ct);
        var settings = config.GitOps;
        author ??= GitAuthor.Resolve(settings.AuthorName, settings.AuthorEmail);
        var outcome = await clone.CommitChangeAndPushAsync(author, async (root, token) =>
        {
            var full = Path.Combine(root, path);
            var change = new GitChange(message, [path]);
            if (content is null)
            {
                if (!File.Exists(full)) return null;
                File.Delete(full);
                return change;
            }
            if (File.Exists(full) && await File.ReadAllTextAsync(full, token) == content) return null; // unchanged: decided in memory
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content, new System.Text.UTF8Encoding(false), token);
            return change;
        }, settings.PushRetries + 1, ct);
        return outcome.Commit;
    }

    /// <summary>
    /// Writes many files on the GitOps branch in ONE commit and one push (a lost race is retried from the new
    /// tip, every file written again). <paramref name="message"/> gets the indexes of the files whose content
    /// changed; none changed: no commit. Returns the commit (or null) and those indexes.
    /// </summary>
    public static async Task<(string? Commit, IReadOnlySet<int> Changed)> CommitFilesAsync(PipelineConfig config,
        IPipelineReporter reporter, IReadOnlyList<(string Path, string Content)> files,
        Func<IReadOnlyList<int>, string> message, CancellationToken ct)
    {
        var (_, clone) = await ConnectAsync(config, reporter, ct);
        var settings = config.GitOps;
        var changed = new List<int>();
        var author = GitAuthor.Resolve(settings.AuthorName, settings.AuthorEmail);
        var outcome = await clone.CommitChangeAndPushAsync(author, async (root, token) =>
        {
            changed.Clear();
            for (var i = 0; i < files.Count; i++)
            {
                var full = Path.Combine(root, files[i].Path);
                if (File.Exists(full) && await File.ReadAllTextAsync(full, token) == files[i].Content) continue;
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                await File.WriteAllTextAsync(full, files[i].Content, new System.Text.UTF8Encoding(false), token);
                changed.Add(i);
            }
            return changed.Count == 0 ? null : new GitChange(message(changed), [.. changed.Select(i => files[i].Path)]);
        }, settings.PushRetries + 1, ct);
        return (outcome.Commit, outcome.Commit is null ? new HashSet<int>() : changed.ToHashSet());
    }

    /// <summary>The configured remote; bad settings (a missing token variable, a missing path outside the sandbox) are invalid input. Touches nothing.</summary>
    public static GitRemote CheckSettings(PipelineConfig config)
    {
        var settings = config.GitOps;
        var remote = GitRemote.Create("gitops", settings.Repository, settings.TokenEnv, "pipeline.json $.gitops.repository", config.RepoRoot);
        if (remote.IsLocal && !remote.Url.StartsWith("file://", StringComparison.OrdinalIgnoreCase) && !Directory.Exists(remote.Url)
            && !SafePath.IsInside(Path.GetFullPath(Path.Combine(config.RepoRoot, ".pipeline")), remote.Url))
            throw new InvalidInputException($"pipeline.json: gitops.repository '{settings.Repository}' does not exist ({remote.Url}). Fix: create the repository, or point gitops.repository at an existing one (only paths under .pipeline/ are created automatically).");
        return remote;
    }

    private static async Task<(GitCli Git, GitClone Clone)> ConnectAsync(PipelineConfig config, IPipelineReporter reporter, CancellationToken ct)
    {
        var settings = config.GitOps;
        var remote = CheckSettings(config);
        if (remote.Credential is { } credential) remote = remote with { Credential = credential with { Username = settings.Username } };
        var git = new GitCli(remote.Credential is null ? [] : [remote.Credential]);
        if (remote.IsLocal && !remote.Url.StartsWith("file://", StringComparison.OrdinalIgnoreCase) && !Directory.Exists(remote.Url))
        {
            var sandbox = Path.GetFullPath(Path.Combine(config.RepoRoot, ".pipeline"));
            await remote.EnsureSandboxAsync(git, sandbox, settings.Branch, ct);
            reporter.Info(null, $"created the local GitOps repository {remote.Url}");
        }
        return (git, new GitClone(git, remote, settings.Branch, Path.Combine(config.CacheDir, "gitops-clones"))
        {
            Recovered = message => reporter.Warning(null, message),
        });
    }

    /// <summary>
    /// A file's content on the tip of the GitOps branch, or null when it (or the branch) does not exist. Read from the
    /// tip's <see cref="GitTreeSnapshot"/>: the per-model reads of a run start no git process of their own.
    /// </summary>
    public async Task<string?> ReadAsync(string path, CancellationToken ct) =>
        await TipCommitAsync(ct) is { } tip ? await GitTreeSnapshot.For(_git, WorkDir).ReadAsync(tip, path, ct) : null;

    /// <summary>
    /// Every <c>&lt;environment&gt;/&lt;model&gt;/config.yaml</c> on the tip of the GitOps branch, model → content, read with
    /// two git processes (ls-tree, cat-file --batch) however many models there are. With <paramref name="branch"/>:
    /// on that branch of the remote (as of the last fetch) instead.
    /// </summary>
    public async Task<SortedDictionary<string, string>> ReadConfigsAsync(string environment, CancellationToken ct,
        string? branch = null)
    {
        var configs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var tip = branch is null ? await TipCommitAsync(ct) : await RemoteBranchCommitAsync(branch, ct);
        if (tip is null) return configs;
        foreach (var (path, content) in await GitTreeSnapshot.For(_git, WorkDir).ReadAllAsync(tip, environment + "/", ct))
        {
            var parts = path.Split('/');
            if (parts.Length == 3 && parts[2] == "config.yaml") configs[parts[1]] = content;
        }
        return configs;
    }

    /// <summary>The commit of <paramref name="branch"/> on the remote as of the last fetch, or null when it has none.</summary>
    private async Task<string?> RemoteBranchCommitAsync(string branch, CancellationToken ct)
    {
        try
        {
            return (await _git.RunAsync(WorkDir, ["rev-parse", "--verify", "--quiet", $"refs/remotes/origin/{branch}^{{commit}}"], ct)).Trim();
        }
        catch (GitException)
        {
            return null;
        }
    }

    /// <summary>The commit at the tip of the GitOps branch (null when it has none), read from git's files when they tell.</summary>
    private async Task<string?> TipCommitAsync(CancellationToken ct)
    {
        if (GitRefFiles.TryRead(WorkDir, Tip, out var tip)) return tip;
        try
        {
            return (await _git.RunAsync(WorkDir, ["rev-parse", "--verify", "--quiet", Tip + "^{commit}"], ct)).Trim();
        }
        catch (GitException)
        {
            return null;
        }
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

    /// <summary>The commit checked out in the clone (null before its first commit).</summary>
    public Task<string?> HeadAsync(CancellationToken ct) => _clone.RevParseAsync("HEAD", ct);

    public void Dispose() => _held.Dispose();
}
