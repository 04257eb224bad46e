namespace ModelPipeline.Git;

/// <summary>What a killed git process leaves in a clone, and how it is cleared.</summary>
public sealed partial class GitClone
{
    /// <summary>
    /// Removes git's lock files (index.lock, HEAD.lock, refs/**.lock, ...) left by a git process that was
    /// killed: the caller holds this clone's lock, so no git of ours works in it now.
    /// </summary>
    private void RemoveStaleLocks()
    {
        var gitDir = Path.Combine(WorkTree, ".git");
        if (!Directory.Exists(gitDir)) return;
        var locks = Directory.EnumerateFiles(gitDir, "*.lock")
            .Concat(Directory.Exists(Path.Combine(gitDir, "refs")) ? Directory.EnumerateFiles(Path.Combine(gitDir, "refs"), "*.lock", SearchOption.AllDirectories) : []);
        foreach (var file in locks.ToList())
        {
            File.Delete(file);
            Recovered?.Invoke($"removed {Path.GetRelativePath(WorkTree, file)}, left in {WorkTree} by a git process that was stopped");
        }
    }

    private static void DeleteTree(string path)
    {
        if (!Directory.Exists(path)) return;
        var trash = path + $".{Guid.NewGuid():N}.trash";
        Directory.Move(path, trash); // out of the way at once; a crash now leaves only a .trash folder
        Directory.Delete(trash, recursive: true);
    }

    private static readonly string[] HalfDoneStates =
        ["MERGE_HEAD", "MERGE_MSG", "CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge", "rebase-apply", "BISECT_LOG"];

    /// <summary>
    /// A publishing clone left half-done by a killed run (files written but never committed, a half-done
    /// merge or rebase, a torn index): nothing in it was pushed, so nothing in it was published. It is
    /// reset to the remote's tip by the caller; this drops what would stop the reset and reports what was found.
    /// </summary>
    /// <returns>Whether the clone was found clean: no half-done state, and no changed, untracked or ignored file.</returns>
    private async Task<bool> DiscardHalfDoneAsync(CancellationToken ct)
    {
        var found = new List<string>();
        var clean = false;
        var gitDir = Path.Combine(WorkTree, ".git");
        foreach (var state in HalfDoneStates)
        {
            var path = Path.Combine(gitDir, state);
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else if (File.Exists(path)) File.Delete(path);
            else continue;
            found.Add($"a half-done operation (.git/{state})");
        }
        try
        {
            // Ignored files too ("!!" lines): the reset's clean -x removes them, so a tree with one is not clean.
            var status = (await _git.RunAsync(WorkTree,
                ["status", "--porcelain", "--untracked-files=all", "--ignored"], ct))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var changed = status.Count(line => !line.StartsWith("!! ", StringComparison.Ordinal));
            if (changed > 0) found.Add($"{changed} uncommitted change(s)");
            clean = status.Length == 0;
        }
        catch (GitException ex)
        {
            File.Delete(Path.Combine(gitDir, "index")); // a torn index: the reset rebuilds it from HEAD
            found.Add($"an unreadable index ({ex.StandardError.Trim()})");
        }
        if (found.Count > 0)
            Recovered?.Invoke($"the cached clone {WorkTree} was left half-done by a stopped run "
                + $"({string.Join("; ", found)}); "
                + $"discarded and reset to {Errors.Redactor.Redact(Remote.Url)} {Branch}: nothing in it was published");
        return clean && found.Count == 0;
    }
}
