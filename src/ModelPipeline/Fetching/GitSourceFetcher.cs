using System.Formats.Tar;
using ModelPipeline.Errors;
using ModelPipeline.Git;
using ModelPipeline.RunState;

namespace ModelPipeline.Fetching;

/// <summary>
/// Fetches a git repository at a pinned commit into <c>cache/git/&lt;commit&gt;[-&lt;path hash&gt;]</c>:
/// a bare cache repository per URL, then <c>git archive</c> of the commit (optionally one path) extracted
/// with .NET's tar reader. The folder appears only when complete.
/// </summary>
internal sealed class GitSourceFetcher(GitCli git, string cacheDir)
{
    public string TreePath(string commit, string? path) => TreePathIn(cacheDir, commit, path);

    public static string TreePathIn(string cacheDir, string commit, string? path) =>
        Path.Combine(cacheDir, "git", path is null ? commit : $"{commit}-{Digests.Sha256(path)[..12]}");

    /// <summary>The tree of a fetch record's digest <c>git:&lt;commit&gt;[:&lt;path&gt;]</c>.</summary>
    public static string TreePathIn(string cacheDir, string digest)
    {
        var parts = digest["git:".Length..].Split(':', 2);
        return TreePathIn(cacheDir, parts[0], parts.Length > 1 ? parts[1] : null);
    }

    public async Task<string> FetchAsync(string model, string name, string url, string commit, string? path, CancellationToken ct)
    {
        var tree = TreePath(commit, path);
        if (Directory.Exists(tree)) return tree;

        var bare = Path.Combine(cacheDir, "git-repos", Digests.Sha256(url)[..16] + ".git");
        if (!Directory.Exists(bare))
        {
            Directory.CreateDirectory(bare);
            await git.RunAsync(bare, ["init", "--bare", "--quiet"], ct);
        }
        if (!await HasCommitAsync(bare, commit, ct))
        {
            try
            {
                await git.RunAsync(bare, ["fetch", "--quiet", "--no-tags", url, commit], ct);
            }
            catch (GitException)
            {
                // Servers that refuse a want by id: fetch every branch and tag and look again.
                await git.RunAsync(bare, ["fetch", "--quiet", "--tags", url, "+refs/heads/*:refs/remotes/source/*"], ct);
            }
            if (!await HasCommitAsync(bare, commit, ct))
                throw new OperationFailedException($"model '{model}', data source '{name}': commit {commit} was not found in {Redactor.Redact(url)}. Fix: push the commit or correct \"commit\" in model.json.") { Model = model };
        }

        var staging = tree + $".{Guid.NewGuid():N}.tmp";
        Directory.CreateDirectory(staging);
        try
        {
            var spec = path is null ? commit : $"{commit}:{path}";
            try
            {
                await using var tarFile = new FileStream(staging + ".tar", FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
                await git.RunAsync(bare, ["archive", "--format=tar", spec], tarFile, ct);
                tarFile.Position = 0;
                await TarFile.ExtractToDirectoryAsync(tarFile, staging, overwriteFiles: false, ct);
            }
            catch (GitException ex) when (path is not null)
            {
                throw new OperationFailedException($"model '{model}', data source '{name}': path '{path}' does not exist at commit {commit[..12]} ({ex.StandardError.Trim()}). Fix: correct \"path\" in model.json.") { Model = model };
            }
            Directory.CreateDirectory(Path.GetDirectoryName(tree)!);
            Directory.Move(staging, tree);
            return tree;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private async Task<bool> HasCommitAsync(string bare, string commit, CancellationToken ct)
    {
        try
        {
            await git.RunAsync(bare, ["cat-file", "-e", commit + "^{commit}"], ct);
            return true;
        }
        catch (GitException)
        {
            return false;
        }
    }
}
