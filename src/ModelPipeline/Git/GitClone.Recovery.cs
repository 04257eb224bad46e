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
}
