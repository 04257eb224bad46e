using ModelPipeline.Configuration;
using ModelPipeline.Git;
using ModelPipeline.GitOps;

namespace ModelPipeline.Planning;

/// <summary>
/// Where a what-if plan reads git from, so that it writes nothing in the workspace or its remotes: a scratch
/// folder under the system's temp folder, deleted afterwards, that holds the zoo and GitOps clone caches and
/// the zoo's "last seen" record (copied in, so the rollback check still holds). A local remote that does not
/// exist yet (the embedded default's <c>.pipeline/zoo.git</c> and <c>.pipeline/gitops.git</c> on a fresh
/// clone) is read as an empty repository made in the scratch folder: nothing published yet, so everything
/// is planned as new, and the real remote is created by the run, not by the plan.
/// </summary>
public sealed class PlanSandbox : IDisposable
{
    private PlanSandbox(string dir, PipelineConfig config)
    {
        Dir = dir;
        Config = config;
    }

    public string Dir { get; }

    /// <summary>
    /// The configuration to read the zoo and the GitOps repository with: its root is the scratch folder, its
    /// remotes are absolute (the real ones, or the empty stand-ins), its mirrors are left out (a plan never
    /// pushes). Image settings stay with the real configuration.
    /// </summary>
    public PipelineConfig Config { get; }

    public static async Task<PlanSandbox> CreateAsync(PipelineConfig config, CancellationToken ct)
    {
        var dir = Path.Combine(Path.GetTempPath(), "modelpipe-plan-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        try
        {
            var git = new GitCli();
            var zoo = GitRemote.Create("primary", config.Zoo.Url, config.Zoo.TokenEnv, "pipeline.json $.zoo.url",
                config.RepoRoot);
            var gitops = GitOpsRepository.CheckSettings(config);
            var seen = Path.Combine(dir, ".pipeline");
            Directory.CreateDirectory(seen);
            var sandbox = Path.Combine(config.RepoRoot, ".pipeline");
            if (Directory.Exists(sandbox))
                foreach (var file in Directory.EnumerateFiles(sandbox, "zoo-seen-*.json"))
                    File.Copy(file, Path.Combine(seen, Path.GetFileName(file)));
            var read = config with
            {
                RepoRoot = dir,
                Workspace = config.Workspace with { CacheDir = "cache", ArtifactsDir = "artifacts" },
                Zoo = config.Zoo with
                {
                    Url = await ReadableAsync(git, zoo, sandbox, Path.Combine(dir, "empty-zoo.git"), config.Zoo.Branch,
                        ct),
                    Mirrors = [], CloneDir = "zoo-clones",
                },
                GitOps = config.GitOps with
                {
                    Repository = await ReadableAsync(git, gitops, sandbox, Path.Combine(dir, "empty-gitops.git"),
                        config.GitOps.Branch, ct),
                },
            };
            return new PlanSandbox(dir, read);
        }
        catch
        {
            Delete(dir);
            throw;
        }
    }

    /// <summary>
    /// The remote's URL as git is given it, or an empty bare repository standing in for a missing one under
    /// <c>.pipeline/</c> (which a run would create; any other missing remote fails the plan as it fails the run).
    /// </summary>
    private static async Task<string> ReadableAsync(GitCli git, GitRemote remote, string sandbox, string empty,
        string branch, CancellationToken ct)
    {
        if (!remote.IsLocal || remote.Url.StartsWith("file://", StringComparison.OrdinalIgnoreCase)
            || Directory.Exists(remote.Url) || !Models.SafePath.IsInside(Path.GetFullPath(sandbox), remote.Url))
            return remote.Url;
        await git.RunAsync(null, ["init", "--bare", "--quiet", "--initial-branch", branch, empty], ct);
        return empty;
    }

    public void Dispose() => Delete(Dir);

    private static void Delete(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // a temp folder the system cleans up; the workspace is untouched either way
        }
    }
}
