using ModelPipeline.Errors;
using ModelPipeline.Git;

namespace ModelPipeline.GitOps;

public sealed partial class GitOpsRepository
{
    /// <summary>Whether a remote branch is already part of the GitOps branch (merged, or gone).</summary>
    public Task<bool> IsMergedAsync(string branch, CancellationToken ct) => IsAncestorAsync($"refs/remotes/origin/{branch}", Tip, ct);

    /// <summary>
    /// Merges a remote branch into the GitOps branch (<c>git merge --no-ff</c>, authored by
    /// <paramref name="author"/>), pushes it, then deletes the merged branch. A conflict or a rejected
    /// push changes nothing on the remote and leaves the cached clone at the tip. Returns the merge commit.
    /// </summary>
    public async Task<string> MergeBranchAsync(string branch, string message, GitAuthor author, CancellationToken ct)
    {
        try
        {
            await ResetToTipAsync(_settings.Branch, ct);
            await _git.RunAsync(WorkDir,
            [
                "-c", $"user.name={author.Name}", "-c", $"user.email={author.Email}", "-c", "commit.gpgsign=false",
                "merge", "--quiet", "--no-ff", "--no-edit", "-m", message, "refs/remotes/origin/" + branch,
            ], ct);
            await _git.RunAsync(WorkDir, ["push", "--quiet", "origin", $"HEAD:refs/heads/{_settings.Branch}"], ct);
        }
        catch (GitException ex)
        {
            try { await _git.RunAsync(WorkDir, ["merge", "--abort"], CancellationToken.None); } catch (GitException) { }
            await ResetToTipAsync(_settings.Branch, CancellationToken.None);
            throw new OperationFailedException($"{branch} could not be merged into {_settings.Branch} of the GitOps repository "
                + $"({ex.StandardError.Trim().Split('\n')[0]}); nothing was pushed. Fix: propose the version again "
                + "(./build.sh Promote --model NAME --version N rebuilds the branch on the current tip), then merge it.");
        }
        var merge = (await HeadAsync(ct))!; // the merge just made
        await _git.RunAsync(WorkDir, ["fetch", "--quiet", "--no-tags", "origin", $"+refs/heads/{_settings.Branch}:{Tip}"], ct);
        await DeleteRemoteBranchAsync(branch, ct);
        await ResetToTipAsync(_settings.Branch, ct);
        return merge;
    }
}
