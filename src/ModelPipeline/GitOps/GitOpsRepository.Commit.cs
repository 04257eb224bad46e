using ModelPipeline.Errors;
using ModelPipeline.Git;

namespace ModelPipeline.GitOps;

public sealed partial class GitOpsRepository
{
    /// <summary>
    /// Puts one file change on a branch forked from the GitOps branch and pushes it (forced: the branch is ours).
    /// An existing remote branch that already carries this content on top of the current tip is reused as is.
    /// Returns the branch's commit and whether anything was pushed.
    /// </summary>
    public async Task<(string Commit, bool Pushed)> PushBranchAsync(string branch, string path, string content, string message, CancellationToken ct)
    {
        var remoteBranch = "refs/remotes/origin/" + branch;
        if (await ShowAsync(remoteBranch, path, ct) == content && await IsAncestorAsync(Tip, remoteBranch, ct))
            return ((await _git.RunAsync(WorkDir, ["rev-parse", remoteBranch], ct)).Trim(), false);

        try
        {
            await ResetToTipAsync(branch, ct);
            if (!await WriteAndStageAsync(path, content, ct))
                throw new OperationFailedException($"{path} on {_settings.Branch} already has this content; there is nothing to propose.");
            await CommitAsync(message, ct);
            await _git.RunAsync(WorkDir, ["push", "--quiet", "--force", "origin", $"HEAD:refs/heads/{branch}"], ct);
        }
        catch
        {
            // Leave the cached clone clean for the next user, whatever failed.
            await ResetToTipAsync(_settings.Branch, CancellationToken.None);
            throw;
        }
        await _git.RunAsync(WorkDir, ["fetch", "--quiet", "--no-tags", "origin", $"+refs/heads/{branch}:{remoteBranch}"], ct);
        var head = await HeadAsync(ct);
        await ResetToTipAsync(_settings.Branch, ct); // the clone goes back to the GitOps branch for the next user
        return (head, true);
    }

    /// <summary>The unified diff of one file between the GitOps branch and <paramref name="commit"/>.</summary>
    public async Task<string> DiffAsync(string commit, string path, CancellationToken ct)
    {
        var from = await HasRefAsync(Tip, ct) ? Tip : "4b825dc642cb6eb9a060e54bf8d69288fbee4904"; // the empty tree
        return await _git.RunAsync(WorkDir, ["diff", "--no-color", "--no-ext-diff", from, commit, "--", path], ct);
    }

    /// <summary>A <c>git request-pull</c> summary of a pushed branch against the GitOps branch.</summary>
    public async Task<string> RequestPullAsync(string branch, CancellationToken ct) =>
        await _git.RunAsync(WorkDir, ["request-pull", Tip, Remote, $"refs/remotes/origin/{branch}:refs/heads/{branch}"], ct);

    private async Task ResetToTipAsync(string localBranch, CancellationToken ct)
    {
        if (await HasRefAsync(Tip, ct))
        {
            await _git.RunAsync(WorkDir, ["checkout", "--quiet", "--force", "-B", localBranch, Tip], ct);
        }
        else
        {
            // An empty repository: start the branch from nothing.
            await _git.RunAsync(WorkDir, ["symbolic-ref", "HEAD", $"refs/heads/{localBranch}"], ct);
            await _git.RunAsync(WorkDir, ["read-tree", "--empty"], ct);
        }
        await _git.RunAsync(WorkDir, ["clean", "--quiet", "-fdx"], ct);
    }

    private async Task<bool> WriteAndStageAsync(string path, string content, CancellationToken ct)
    {
        var full = Path.Combine(WorkDir, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await File.WriteAllTextAsync(full, content, new System.Text.UTF8Encoding(false), ct);
        await _git.RunAsync(WorkDir, ["add", "--", path], ct);
        var status = await _git.RunAsync(WorkDir, ["status", "--porcelain", "--", path], ct);
        return status.Trim().Length > 0;
    }

    private Task<string> CommitAsync(string message, CancellationToken ct)
    {
        var author = GitAuthor.Resolve(_settings.AuthorName, _settings.AuthorEmail);
        return _git.RunAsync(WorkDir,
        [
            "-c", $"user.name={author.Name}", "-c", $"user.email={author.Email}", "-c", "commit.gpgsign=false",
            "commit", "--quiet", "--no-verify", "-m", message,
        ], ct);
    }

    private async Task<string> HeadAsync(CancellationToken ct) => (await _git.RunAsync(WorkDir, ["rev-parse", "HEAD"], ct)).Trim();

    private async Task<bool> IsAncestorAsync(string ancestor, string descendant, CancellationToken ct)
    {
        if (!await HasRefAsync(ancestor, ct)) return true;
        try
        {
            await _git.RunAsync(WorkDir, ["merge-base", "--is-ancestor", ancestor, descendant], ct);
            return true;
        }
        catch (GitException)
        {
            return false;
        }
    }
}
