using System.Security.Cryptography;
using System.Text;

namespace ModelPipeline.RunState;

/// <summary>SHA-256 helpers that stream; nothing is read into memory whole.</summary>
public static class Digests
{
    public static async Task<string> FileSha256Async(string path, CancellationToken ct = default)
    {
        // Small files (trainer sources, metrics) are hashed at once: a 1 MiB buffer and an async read
        // per file cost more than the hashing. Large ones stream through a 1 MiB buffer.
        var length = new FileInfo(path).Length;
        if (length <= SmallFile)
        {
            using var small = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            return Convert.ToHexStringLower(SHA256.HashData(small));
        }
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }

    private const long SmallFile = 64 * 1024;

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Every file under a folder (sorted, '/' separators), skipping build output folders.</summary>
    public static IEnumerable<string> Files(string dir, params string[] skipDirs)
    {
        var root = Path.GetFullPath(dir);
        return Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(rel => !rel.Split('/').SkipLast(1).Any(skipDirs.Contains))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>A digest of a file or of a whole folder (over sorted relative paths and file digests).</summary>
    public static async Task<string> PathSha256Async(string path, CancellationToken ct = default, params string[] skipDirs)
    {
        if (File.Exists(path)) return await FileSha256Async(path, ct);
        var lines = new StringBuilder();
        foreach (var rel in Files(path, skipDirs))
            lines.Append(rel).Append(' ').Append(await FileSha256Async(Path.Combine(path, rel), ct)).Append('\n');
        return Sha256(lines.ToString());
    }
}
