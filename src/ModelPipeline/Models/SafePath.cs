namespace ModelPipeline.Models;

/// <summary>Resolves user-supplied relative paths so they can never leave a base folder.</summary>
public static class SafePath
{
    /// <summary>
    /// Returns the absolute path of <paramref name="relative"/> inside <paramref name="baseDir"/>,
    /// or null with a reason when it is absolute, climbs with "..", or escapes through a symlink.
    /// </summary>
    public static string? TryResolve(string baseDir, string relative, out string? reason)
    {
        reason = null;
        if (string.IsNullOrWhiteSpace(relative)) { reason = "is empty"; return null; }
        if (Path.IsPathRooted(relative) || relative.StartsWith('~'))
        {
            reason = "is absolute; give a path relative to the model folder";
            return null;
        }
        var parts = relative.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Any(p => p == ".."))
        {
            reason = "contains '..'; paths must stay inside the model folder";
            return null;
        }
        if (relative.Any(char.IsControl)) { reason = "contains control characters"; return null; }

        var root = Path.GetFullPath(baseDir);
        var realRoot = RealPath(root);
        var full = Path.GetFullPath(Path.Combine(root, relative));
        var real = RealPathUnder(realRoot, relative);
        if (!IsInside(realRoot, real))
        {
            reason = "resolves through a symbolic link to a place outside the model folder";
            return null;
        }
        return full;
    }

    public static bool IsInside(string root, string path)
    {
        var r = Path.TrimEndingDirectorySeparator(root);
        return path == r || path.StartsWith(r + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>
    /// The path with every symbolic link along it resolved (the parts that exist), the way the
    /// operating system resolves it: a ".." inside a link target climbs from the link's real
    /// location, not from its spelling (so "s -> ." plus "t -> s/.." is seen to leave the folder).
    /// </summary>
    public static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        return Walk(root, full[root.Length..], depth: 0);
    }

    /// <summary>
    /// <see cref="RealPath"/> of <paramref name="relative"/> under a folder already resolved: the same result as
    /// resolving the whole path (the parts are followed in order either way), without looking up the folder's own
    /// parts again (1,000 models: the repository's parent folders once, not once per file).
    /// </summary>
    /// <remarks>Split as the operating system splits it: on Linux a backslash is part of a name, not a separator.</remarks>
    public static string RealPathUnder(string realBase, string relative) =>
        Walk(realBase, relative.Replace(Path.AltDirectorySeparatorChar, Path.DirectorySeparatorChar), depth: 0);

    private static string Walk(string current, string relative, int depth)
    {
        if (depth > 40) throw new IOException($"too many levels of symbolic links under {current}");
        var parts = relative.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            var next = Path.Combine(current, part);
            // One lstat tells a plain entry (most parts) from a link and from nothing; only a link is read.
            var info = new FileInfo(next);
            var attributes = info.Attributes;
            if ((int)attributes != -1 && attributes.HasFlag(FileAttributes.ReparsePoint)
                && info.LinkTarget is { } target)
            {
                current = Path.IsPathRooted(target)
                    ? Walk(Path.GetPathRoot(target)!, target[Path.GetPathRoot(target)!.Length..], depth + 1)
                    : Walk(current, target, depth + 1);
            }
            else if ((int)attributes == -1)
            {
                return Path.GetFullPath(Path.Combine([next, .. parts[(i + 1)..]]));
            }
            else
            {
                current = next;
            }
        }
        return current;
    }
}
