namespace ModelPipeline.Models;

/// <summary>
/// The files reached from one entry of a folder (a file, or a folder walked recursively), never
/// leaving that folder: every symbolic link met on the way, to a file or to a folder, must resolve
/// inside it (<see cref="SafePath.RealPath"/>), and a folder reached twice (a link loop) is walked
/// once. Used for <c>training.sources</c>: what the training key hashes and the SBOM lists.
/// </summary>
public static class ConfinedFiles
{
    /// <summary>The files (relative to <paramref name="root"/>, '/'-separated, sorted) or, in
    /// <paramref name="problem"/>, the first link that leaves the folder; nothing outside is read.</summary>
    public static IReadOnlyList<string> List(string root, string entry, IReadOnlyCollection<string> skipDirs,
        out string? problem)
    {
        problem = null;
        var fullRoot = Path.GetFullPath(root);
        var realRoot = SafePath.RealPath(fullRoot);
        var start = Path.GetFullPath(Path.Combine(fullRoot, entry));
        var realStart = SafePath.RealPathUnder(realRoot, Path.GetRelativePath(fullRoot, start));
        if (Escapes(realRoot, start, realStart, fullRoot, out problem)) return [];
        if (File.Exists(start)) return [Relative(fullRoot, start)];
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<(string Dir, string Real)>();
        pending.Push((start, realStart));
        while (pending.Count > 0)
        {
            var (dir, realDir) = pending.Pop();
            if (!seen.Add(realDir)) continue;
            var entries = new DirectoryInfo(dir).EnumerateFileSystemInfos()
                .OrderBy(i => i.Name, StringComparer.Ordinal);
            foreach (var info in entries)
            {
                var path = info.FullName;
                // An entry that is not a link is where its folder really is (inside): only a link is resolved.
                if ((info.Attributes & FileAttributes.ReparsePoint) == 0) // lstat flags every symbolic link so
                {
                    if (info is DirectoryInfo)
                    {
                        if (!skipDirs.Contains(info.Name)) pending.Push((path, Path.Combine(realDir, info.Name)));
                    }
                    else files.Add(Relative(fullRoot, path));
                    continue;
                }
                var real = SafePath.RealPathUnder(realDir, info.Name);
                if (Escapes(realRoot, path, real, fullRoot, out problem)) return [];
                if (Directory.Exists(path))
                {
                    if (!skipDirs.Contains(Path.GetFileName(path))) pending.Push((path, real));
                }
                else if (File.Exists(path)) files.Add(Relative(fullRoot, path));
                else
                {
                    problem = $"'{Relative(fullRoot, path)}' is a broken symbolic link";
                    return [];
                }
            }
        }
        return files.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Whether <paramref name="path"/>, really at <paramref name="real"/>, is outside the folder.</summary>
    private static bool Escapes(string realRoot, string path, string real, string root, out string? problem)
    {
        problem = null;
        if (SafePath.IsInside(realRoot, real)) return false;
        problem = new FileInfo(path).LinkTarget is not null || new DirectoryInfo(path).LinkTarget is not null
            ? $"'{Relative(root, path)}' is a symbolic link to {real}, outside the model folder"
            : $"'{Relative(root, path)}' resolves through a symbolic link to {real}, outside the model folder";
        return true;
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');
}
