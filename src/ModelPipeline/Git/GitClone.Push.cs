using ModelPipeline.Errors;

namespace ModelPipeline.Git;

/// <summary>Who commits: from configuration, else CI variables, else a neutral default.</summary>
public sealed record GitAuthor(string Name, string Email)
{
    public static GitAuthor Resolve(string? name, string? email)
    {
        static string? Env(string key) => Environment.GetEnvironmentVariable(key) is { Length: > 0 } v ? v : null;
        var actor = Env("GITHUB_ACTOR");
        return new GitAuthor(
            name ?? Env("GITLAB_USER_NAME") ?? actor ?? "ModelPipeline",
            email ?? Env("GITLAB_USER_EMAIL") ?? (actor is null ? null : $"{actor}@users.noreply.github.com") ?? "modelpipeline@localhost");
    }
}

/// <summary>
/// The result of <see cref="GitClone.CommitAndPushAsync"/>: the new commit (null when the change
/// callback had nothing to change), the remote tip afterwards, and how many attempts it took.
/// </summary>
public sealed record GitPushOutcome(string? Commit, string? Tip, int Attempts);

/// <summary>The result of pushing a commit to another remote (a mirror).</summary>
public sealed record GitMirrorPush(bool Ok, string Message);

public sealed partial class GitClone
{
    /// <summary>
    /// Syncs to the remote tip, lets <paramref name="change"/> edit the working tree (it returns the
    /// commit message, or null for "nothing to do" — then it must have changed nothing), commits and pushes. A push rejected because
    /// the remote moved on (another publisher) is retried from the new tip, calling
    /// <paramref name="change"/> again, up to <paramref name="maxAttempts"/> times. Takes the lock.
    /// </summary>
    public Task<GitPushOutcome> CommitAndPushAsync(GitAuthor author,
        Func<string, CancellationToken, Task<string?>> change, int maxAttempts, CancellationToken ct) =>
        CommitChangeAndPushAsync(author, async (tree, token) => await change(tree, token) is { } message
            ? new GitChange(message, null)
            : null, maxAttempts, ct);

    /// <summary>
    /// <see cref="CommitAndPushAsync"/> with a change that names the paths it touched (<see cref="GitChange"/>): only
    /// those are staged.
    /// </summary>
    public async Task<GitPushOutcome> CommitChangeAndPushAsync(GitAuthor author,
        Func<string, CancellationToken, Task<GitChange?>> change, int maxAttempts, CancellationToken ct)
    {
        using var held = await LockAsync(TimeSpan.FromMinutes(10), ct);
        var baseTip = await SyncAsync(ct);
        for (var attempt = 1; ; attempt++)
        {
            string? commit;
            try
            {
                var changed = await change(WorkTree, ct);
                commit = changed is null ? null : await CommitAsync(author, changed, ct);
            }
            catch
            {
                Unsync();
                await ResetToRemoteAsync(CancellationToken.None);
                throw;
            }
            // Nothing changed: the clone is still clean at the tip, no fetch or reset needed.
            if (commit is null) return new GitPushOutcome(null, baseTip, attempt);

            var failure = await TryPushAsync(ct);
            if (failure is null)
            {
                SyncedThisRun[WorkTree] = commit; // the push moved origin/<branch> to our commit
                return new GitPushOutcome(commit, commit, attempt);
            }

            string? newTip;
            try
            {
                newTip = await ResetToRemoteAsync(ct);
            }
            catch (OperationFailedException)
            {
                throw Rejected(failure, attempt);
            }
            var raced = newTip != baseTip || IsTransient(failure.StandardError);
            if (!raced || attempt >= maxAttempts) throw Rejected(failure, attempt);
            baseTip = newTip;
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(50, 250) * attempt), ct);
        }
    }

    /// <summary>Pushes <paramref name="commit"/> to another remote's branch. A rejection is not thrown:
    /// it is reported, unless the remote already holds a descendant of the commit.</summary>
    public async Task<GitMirrorPush> PushToAsync(GitRemote mirror, string commit, CancellationToken ct)
    {
        try
        {
            await _git.RunAsync(WorkTree, ["push", "--quiet", mirror.Url, $"{commit}:refs/heads/{Branch}"], ct);
            return new GitMirrorPush(true, "pushed");
        }
        catch (GitException ex)
        {
            string? tip = null;
            try { tip = await RemoteTipAsync(mirror, ct); } catch (GitException) { }
            // The mirror's commits (e.g. written to it directly) are fetched, without a ref, to compare histories.
            if (tip is not null && await RevParseAsync(tip, ct) is null)
                try { await _git.RunAsync(WorkTree, ["fetch", "--quiet", "--no-tags", mirror.Url, $"refs/heads/{Branch}"], ct); } catch (GitException) { }
            if (tip is not null && await IsAncestorAsync(commit, tip, ct))
                return new GitMirrorPush(true, $"already holds {tip[..12]}, which contains {commit[..12]}");
            return new GitMirrorPush(false, $"push failed: {Redactor.Redact(ex.StandardError.Trim())}");
        }
    }

    public async Task<bool> IsAncestorAsync(string ancestor, string descendant, CancellationToken ct)
    {
        try
        {
            await _git.RunAsync(WorkTree, ["merge-base", "--is-ancestor", ancestor, descendant], ct);
            return true;
        }
        catch (GitException)
        {
            return false;
        }
    }

    private async Task<GitException?> TryPushAsync(CancellationToken ct)
    {
        try
        {
            await _git.RunAsync(WorkTree, ["push", "--quiet", "origin", $"refs/heads/{Branch}:refs/heads/{Branch}"], ct);
            return null;
        }
        catch (GitException ex)
        {
            return ex;
        }
    }

    private static readonly string[] TransientPushErrors =
        ["rejected", "non-fast-forward", "fetch first", "cannot lock ref", "failed to lock", "failed to update ref", "stale info"];

    private static bool IsTransient(string stderr) =>
        TransientPushErrors.Any(s => stderr.Contains(s, StringComparison.OrdinalIgnoreCase));

    private OperationFailedException Rejected(GitException failure, int attempt) =>
        new($"push to {Remote.Name} ({Redactor.Redact(Remote.Url)}) failed after {attempt} attempt(s): {Redactor.Redact(failure.StandardError.Trim())}. Nothing was published. Fix: check that the remote is reachable and writable with the token in its tokenEnv variable, then re-run.", failure);
}
