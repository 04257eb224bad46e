using System.Text.RegularExpressions;
using ModelPipeline.Errors;

namespace ModelPipeline.Training.Archives;

/// <summary>Caps on what an archive may unpack to.</summary>
public sealed record ExtractionLimits
{
    public required long MaxTotalBytes { get; init; }
    public required long MaxEntryBytes { get; init; }
    public required int MaxEntries { get; init; }
    public required double MaxCompressionRatio { get; init; }
}

/// <summary>
/// Extracts one folder of a zip or tar.gz archive, refusing anything unsafe: absolute names, drive
/// letters, backslashes, <c>..</c>, links that leave the folder, device files and FIFOs, a name
/// that appears twice, zip entries whose data disagrees with their CRC-32 or size, and
/// archives past the caps on entries, bytes per entry, total bytes and compression ratio. It
/// unpacks into a fresh folder and moves the files into place only when the whole archive passed;
/// on any refusal nothing is left behind.
/// </summary>
public static partial class SafeExtractor
{
    public static int Extract(string archive, string subfolder, string destination, ExtractionLimits limits, string model)
    {
        var prefix = subfolder.Replace('\\', '/').Trim('/');
        var fresh = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(destination))!, $".extract-{Guid.NewGuid():N}");
        Directory.CreateDirectory(fresh);
        try
        {
            var format = Sniff(archive);
            var context = new Context(fresh, prefix, limits, model, new FileInfo(archive).Length);
            if (format == "zip") ExtractZip(archive, context);
            else ExtractTarGz(archive, context);
            if (context.Files == 0)
                throw Refuse(model, $"the archive has no files under '{prefix}/'. Fix: the handler must put the trained files in {prefix}/ of the archive");
            Directory.CreateDirectory(destination);
            foreach (var entry in Directory.EnumerateFileSystemEntries(fresh))
            {
                var target = Path.Combine(destination, Path.GetFileName(entry));
                if (Directory.Exists(entry)) Directory.Move(entry, target);
                else File.Move(entry, target);
            }
            return context.Files;
        }
        finally
        {
            if (Directory.Exists(fresh)) Directory.Delete(fresh, recursive: true);
        }
    }

    private static string Sniff(string archive)
    {
        Span<byte> magic = stackalloc byte[4];
        using (var s = File.OpenRead(archive)) magic = magic[..s.ReadAtLeast(magic, 4, throwOnEndOfStream: false)];
        if (magic.Length >= 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4) return "zip";
        if (magic.Length >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return "tar.gz";
        throw new OperationFailedException("the output archive is neither a zip nor a tar.gz file. Fix: the handler must upload a .zip or .tar.gz archive.");
    }

    /// <summary>Why an entry name is unsafe, or null.</summary>
    internal static string? Unsafe(string name)
    {
        if (name.Length == 0) return "has an empty name";
        if (name.Any(char.IsControl)) return "contains control characters";
        if (name.Contains('\\')) return "contains a backslash";
        if (name.StartsWith('/')) return "is an absolute path";
        if (DriveLetter().IsMatch(name)) return "starts with a drive letter";
        if (name.Split('/').Any(p => p == "..")) return "contains '..'";
        return null;
    }

    internal static OperationFailedException Refuse(string model, string why) =>
        new($"model '{model}': the output archive was refused: {why}. Nothing was extracted.") { Model = model };

    [GeneratedRegex("^[A-Za-z]:")]
    private static partial Regex DriveLetter();

    /// <summary>The running state of one extraction: where, what is allowed, what was used.</summary>
    private sealed class Context(string root, string prefix, ExtractionLimits limits, string model, long archiveBytes)
    {
        public string Root { get; } = root;
        public ExtractionLimits Limits { get; } = limits;
        public string Model { get; } = model;
        public int Entries { get; private set; }
        public int Files { get; set; }
        public long Total { get; private set; }

        private readonly HashSet<string> _claimed = new(StringComparer.Ordinal);

        /// <summary>Decompressed bytes the archive may produce at most (compression-ratio cap).</summary>
        public long MaxExpanded { get; } = (long)Math.Min(long.MaxValue / 2, Math.Max(archiveBytes, 4096) * limits.MaxCompressionRatio);

        /// <summary>Counts and checks an entry; returns its path under the folder, or null when it lies outside it.</summary>
        public string? Admit(string rawName)
        {
            if (++Entries > Limits.MaxEntries)
                throw Refuse(Model, $"it has more than {Limits.MaxEntries} entries (maxEntries). Fix: pack fewer files, or raise training.options.maxEntries");
            var name = rawName.StartsWith("./", StringComparison.Ordinal) ? rawName[2..] : rawName;
            if (Unsafe(name) is { } why) throw Refuse(Model, $"entry '{rawName}' {why}");
            name = name.TrimEnd('/');
            if (prefix.Length == 0) return name.Length == 0 ? null : name;
            if (name == prefix) return null;
            return name.StartsWith(prefix + "/", StringComparison.Ordinal) ? name[(prefix.Length + 1)..] : null;
        }

        public void AddBytes(string name, long bytes, long entrySoFar)
        {
            Total += bytes;
            if (entrySoFar > Limits.MaxEntryBytes)
                throw Refuse(Model, $"entry '{name}' is larger than {Limits.MaxEntryBytes} bytes (validation.maxFileBytes)");
            if (Total > Limits.MaxTotalBytes)
                throw Refuse(Model, $"its files add up to more than {Limits.MaxTotalBytes} bytes (artifacts.maxTotalBytes)");
        }

        /// <summary>Where a file entry goes; a name that is already a file or folder there is refused.</summary>
        public string Claim(string entry, string relative)
        {
            var target = Target(relative);
            if (!_claimed.Add(relative) || File.Exists(target) || Directory.Exists(target))
                throw Refuse(Model, $"entry '{entry}' names '{relative}' a second time (a duplicate member would replace what was checked)");
            Folder(entry, Path.GetDirectoryName(relative.Replace('/', Path.DirectorySeparatorChar)) ?? "");
            return target;
        }

        /// <summary>Creates a folder entry's folder; a path that is already a file is refused.</summary>
        public void Folder(string entry, string relative)
        {
            var target = Target(relative);
            for (var dir = target; dir.Length > Root.Length; dir = Path.GetDirectoryName(dir)!)
                if (File.Exists(dir))
                    throw Refuse(Model, $"entry '{entry}' needs '{Path.GetRelativePath(Root, dir)}' as a folder, but an earlier entry made it a file");
            Directory.CreateDirectory(target);
        }

        public string Target(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

        /// <summary>A link target, resolved like the file system would, must stay inside the folder; returns its path there.</summary>
        public string LinkInside(string entry, string relative, string linkTarget, bool relativeToEntry)
        {
            if (linkTarget.Length == 0 || linkTarget.StartsWith('/') || DriveLetter().IsMatch(linkTarget) || linkTarget.Contains('\\'))
                throw Refuse(Model, $"link '{entry}' points outside the extracted folder (to '{linkTarget}')");
            var baseDir = relativeToEntry ? Path.GetDirectoryName(Target(relative))! : Root;
            var full = Path.GetFullPath(Path.Combine(baseDir, relativeToEntry ? linkTarget : StripPrefix(linkTarget)));
            if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw Refuse(Model, $"link '{entry}' points outside the extracted folder (to '{linkTarget}')");
            return full;
        }

        private string StripPrefix(string archivePath)
        {
            var p = archivePath.StartsWith("./", StringComparison.Ordinal) ? archivePath[2..] : archivePath;
            if (prefix.Length == 0) return p;
            return p.StartsWith(prefix + "/", StringComparison.Ordinal) ? p[(prefix.Length + 1)..] : "../" + p;
        }
    }
}
