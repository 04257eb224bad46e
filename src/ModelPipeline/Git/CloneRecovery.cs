namespace ModelPipeline.Git;

/// <summary>
/// Heals a cached clone that a killed process left half-done. A cache clone holds nothing of its own:
/// what is not pushed is not published, so the remote's tip is always the truth. Used by every
/// cache clone (the publish side's <see cref="GitClone"/>, a serving root's zoo cache).
/// Call only while holding the clone's exclusive lock: then no live process of ours is using it,
/// and every git lock file in it was left by a process that died.
/// </summary>
public static class CloneRecovery
{
    /// <summary>
    /// Removes stale git lock files (<c>index.lock</c>, <c>HEAD.lock</c>, ref locks), aborts a half-done
    /// merge, rebase, cherry-pick or revert, and reports whether the working tree had changes nobody
    /// committed. Returns one line per thing it found (empty when the clone was clean); the caller then
    /// resets the clone to the remote's tip and logs the lines.
    /// </summary>
    public static async Task<IReadOnlyList<string>> InspectAsync(GitCli git, string workTree, CancellationToken ct)
    {
        var found = new List<string>();
        var gitDir = Path.Combine(workTree, ".git");
        foreach (var stale in StaleLocks(gitDir))
        {
            File.Delete(stale);
            found.Add($"removed the stale lock {Path.GetRelativePath(workTree, stale)}");
        }
        foreach (var state in HalfDoneStates)
        {
            var path = Path.Combine(gitDir, state);
            if (!File.Exists(path) && !Directory.Exists(path)) continue;
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else File.Delete(path);
            found.Add($"dropped a half-done operation (.git/{state})");
        }
        string status;
        try
        {
            status = await git.RunAsync(workTree, ["status", "--porcelain", "--untracked-files=all"], ct);
        }
        catch (GitException ex)
        {
            // A torn index: git rebuilds it from HEAD on the reset that follows.
            var index = Path.Combine(gitDir, "index");
            if (File.Exists(index)) File.Delete(index);
            found.Add($"dropped an unreadable index ({ex.StandardError.Trim()})");
            return found;
        }
        var changed = status.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        if (changed > 0) found.Add($"discarded {changed} uncommitted change(s)");
        return found;
    }

    /// <summary>What a git process creates for the length of one command and removes when it ends.</summary>
    private static IEnumerable<string> StaleLocks(string gitDir)
    {
        foreach (var name in TopLevelLocks)
        {
            var path = Path.Combine(gitDir, name);
            if (File.Exists(path)) yield return path;
        }
        var refs = Path.Combine(gitDir, "refs");
        if (!Directory.Exists(refs)) yield break;
        foreach (var path in Directory.EnumerateFiles(refs, "*.lock", SearchOption.AllDirectories)) yield return path;
    }

    private static readonly string[] TopLevelLocks =
        ["index.lock", "HEAD.lock", "ORIG_HEAD.lock", "FETCH_HEAD.lock", "packed-refs.lock", "config.lock", "shallow.lock"];

    private static readonly string[] HalfDoneStates =
        ["MERGE_HEAD", "MERGE_MSG", "CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge", "rebase-apply", "BISECT_LOG"];
}
