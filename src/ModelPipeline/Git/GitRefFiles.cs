namespace ModelPipeline.Git;

/// <summary>
/// Reads a ref's commit from the files git keeps it in (<c>.git/HEAD</c>, a loose ref file, <c>packed-refs</c>)
/// without starting a git process: the per-model checks of a 1,000-model run ask for the same refs
/// thousands of times. Anything unusual (a ref git stores some other way) answers "unknown", and the
/// caller asks git.
/// </summary>
public static class GitRefFiles
{
    /// <summary>
    /// The commit <paramref name="refName"/> (<c>HEAD</c> or a full ref name) points to: true with the
    /// commit, true with null when the ref does not exist (an unborn branch), false when unknown.
    /// </summary>
    public static bool TryRead(string workTree, string refName, out string? commit)
    {
        commit = null;
        var gitDir = Path.Combine(workTree, ".git");
        try
        {
            if (!Directory.Exists(gitDir)) return false;
            for (var depth = 0; depth < 5; depth++)
            {
                var loose = Path.Combine(gitDir, refName);
                if (File.Exists(loose))
                {
                    var text = File.ReadAllText(loose).Trim();
                    if (text.StartsWith("ref: ", StringComparison.Ordinal))
                    {
                        refName = text[5..].Trim();
                        continue;
                    }
                    commit = IsObjectId(text) ? text : null;
                    return commit is not null;
                }
                if (refName == "HEAD" || !refName.StartsWith("refs/", StringComparison.Ordinal)) return false;
                // Not a loose ref: packed-refs has it, or it does not exist.
                var packed = Packed(Path.Combine(gitDir, "packed-refs"));
                commit = packed?.GetValueOrDefault(refName);
                return true;
            }
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The branch <c>HEAD</c> is attached to (<c>refs/heads/NAME</c>), or null when it is detached or
    /// unreadable.</summary>
    public static string? HeadBranch(string workTree)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(workTree, ".git", "HEAD")).Trim();
            return text.StartsWith("ref: ", StringComparison.Ordinal) ? text[5..].Trim() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// packed-refs parsed once per write time and length (a GitOps clone packs a branch per promotion). Only a
    /// file written over a second before it was read is kept: the clock of a file's write time is coarse, and
    /// git could rewrite it to the same length within one tick; any later rewrite has a later write time.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string,
        (DateTime Written, long Length, Dictionary<string, string> Refs)> PackedCache = new(StringComparer.Ordinal);

    /// <summary>The refs in a packed-refs file by name, or null when there is no such file.</summary>
    private static Dictionary<string, string>? Packed(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists) return null;
        if (PackedCache.TryGetValue(path, out var cached) && cached.Written == file.LastWriteTimeUtc
            && cached.Length == file.Length)
            return cached.Refs;
        var refs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line[0] is '#' or '^') continue;
            var space = line.IndexOf(' ');
            if (space > 0 && IsObjectId(line[..space])) refs.TryAdd(line[(space + 1)..], line[..space]);
        }
        if (PackedCache.Count > 100) PackedCache.Clear();
        if (DateTime.UtcNow - file.LastWriteTimeUtc > TimeSpan.FromSeconds(1))
            PackedCache[path] = (file.LastWriteTimeUtc, file.Length, refs);
        return refs;
    }

    private static bool IsObjectId(string text) =>
        text.Length is 40 or 64 && text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
