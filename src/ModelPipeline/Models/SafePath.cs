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
        var real = RealPath(full);
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

    /// <summary>The path with every symbolic link along it resolved (the parts that exist).</summary>
    public static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.Exists && info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                next = target is null ? next : RealPath(target.FullName);
            }
            else if (!info.Exists)
            {
                return Path.Combine([next, .. parts[(i + 1)..]]);
            }
            current = next;
        }
        return current;
    }
}
