using System.Buffers;
using System.Text;
using ModelPipeline.Errors;

namespace ModelPipeline.Oci;

/// <summary>
/// A file to put in a layer: where it is on disk, where it goes in the image, and its validated
/// size and (when known) sha256, which the bytes streamed into the layer must match.
/// </summary>
public sealed record LayerFile(string SourcePath, string ImagePath, long Size, string? Sha256 = null);

/// <summary>
/// A reproducible tar layer: entries sorted by path, parent folders first (0755), files 0644,
/// owner 0:0, one fixed modification time, no user names. The same files give the same bytes
/// on any machine. Written by streaming each file (never loaded whole).
/// </summary>
public sealed class TarLayer
{
    private const int Block = 512;
    private const long MaxOctalSize = 077777777777;

    public TarLayer(IEnumerable<LayerFile> files, DateTimeOffset modified)
    {
        Files = files.OrderBy(f => f.ImagePath, StringComparer.Ordinal).ToList();
        Modified = modified;
        var dirs = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var f in Files)
        {
            var parts = f.ImagePath.Split('/');
            for (var i = 1; i < parts.Length; i++) dirs.Add(string.Join('/', parts[..i]) + "/");
        }
        Directories = dirs.ToList();
        Size = Directories.Count * Block + Files.Sum(f => Block + Pad(f.Size)) + 2 * Block;
    }

    public IReadOnlyList<LayerFile> Files { get; }

    public IReadOnlyList<string> Directories { get; }

    public DateTimeOffset Modified { get; }

    /// <summary>The exact length of the uncompressed tar.</summary>
    public long Size { get; }

    /// <summary>
    /// The same tar (same bytes) that does not hash each file against its validated sha256 (sizes are still
    /// checked): for a layer whose expected digest is known, which then vouches for every file in it.
    /// </summary>
    public TarLayer WithoutFileHashes() => new(Files.Select(f => f with { Sha256 = null }), Modified);

    public Task WriteAsync(Stream output, CancellationToken ct) => WriteAsync(output, null, ct);

    /// <summary>
    /// The layer's digest and each file's sha256 (in <see cref="Files"/> order), from one read of every file; nothing
    /// is written. Validate records both, so a push can send the files unhashed and let the registry check the digest.
    /// </summary>
    public async Task<(string Digest, IReadOnlyList<string> FileSha256)> DigestAsync(CancellationToken ct)
    {
        var sums = new List<string>();
        await using var blob = new DigestingStream(Stream.Null);
        await WriteAsync(blob, sums, ct);
        return (blob.Digest(), sums);
    }

    private async Task WriteAsync(Stream output, List<string>? sums, CancellationToken ct)
    {
        var header = new byte[Block];
        var entries = Directories.Select(d => (Path: d, File: (LayerFile?)null))
            .Concat(Files.Select(f => (Path: f.ImagePath, File: (LayerFile?)f)))
            .OrderBy(e => e.Path, StringComparer.Ordinal);
        var buffer = ArrayPool<byte>.Shared.Rent(4 << 20);
        try
        {
            foreach (var (path, file) in entries)
            {
                WriteHeader(header, path, file?.Size ?? 0, file is null ? 0b111_101_101 : 0b110_100_100, file is null ? (byte)'5' : (byte)'0');
                await output.WriteAsync(header, ct);
                if (file is null) continue;
                var sha256 = await CopyExactlyAsync(file, output, buffer, sums is not null, ct);
                if (sha256 is not null) sums?.Add(sha256);
                var padding = (int)(Pad(file.Size) - file.Size);
                if (padding > 0) await output.WriteAsync(new byte[padding], ct);
            }
            await output.WriteAsync(new byte[2 * Block], ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Copies the file's validated size; its sha256 when it has an expected one (checked) or
    /// <paramref name="hashAlways"/>.</summary>
    private static async Task<string?> CopyExactlyAsync(LayerFile file, Stream output, byte[] buffer, bool hashAlways,
        CancellationToken ct)
    {
        await using var input = new FileStream(file.SourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        using var hash = file.Sha256 is null && !hashAlways ? null
            : System.Security.Cryptography.IncrementalHash.CreateHash(
                System.Security.Cryptography.HashAlgorithmName.SHA256);
        long copied = 0;
        int read;
        while ((read = await input.ReadAsync(buffer, ct)) > 0)
        {
            if (copied + read > file.Size) break;
            // The write is started first (a registry upload sends it while the layer digest is computed), and this
            // file's own sha256 is computed while it is in flight: both hashes overlap the upload instead of preceding it.
            var write = output.WriteAsync(buffer.AsMemory(0, read), ct);
            hash?.AppendData(buffer, 0, read);
            await write;
            copied += read;
        }
        if (copied != file.Size || read > 0)
            throw new OperationFailedException($"{file.SourcePath} changed while it was packaged (expected {file.Size} bytes as validated). Fix: re-run Validate, then package again.");
        var sha256 = hash is null ? null : Convert.ToHexStringLower(hash.GetHashAndReset());
        if (file.Sha256 is not null && sha256 != file.Sha256) throw ChangedSinceValidation(file.SourcePath);
        return sha256;
    }

    /// <summary>The error for a file whose bytes are no longer the validated ones.</summary>
    private static OperationFailedException ChangedSinceValidation(string path) =>
        new($"{path} changed since it was validated (its sha256 no longer matches the validation manifest). "
            + "Fix: re-run Validate, then package again.");

    private static long Pad(long size) => (size + Block - 1) / Block * Block;

    private void WriteHeader(byte[] h, string path, long size, int mode, byte type)
    {
        Array.Clear(h);
        var (prefix, name) = Split(path);
        Ascii(h, 0, 100, name);
        Octal(h, 100, 8, mode);
        Octal(h, 108, 8, 0);
        Octal(h, 116, 8, 0);
        if (size <= MaxOctalSize) Octal(h, 124, 12, size);
        else
        {
            h[124] = 0x80;
            for (var i = 0; i < 8; i++) h[135 - i] = (byte)(size >> (8 * i));
        }
        Octal(h, 136, 12, Modified.ToUnixTimeSeconds());
        h[156] = type;
        Ascii(h, 257, 6, "ustar");
        h[263] = (byte)'0';
        h[264] = (byte)'0';
        Ascii(h, 345, 155, prefix);
        for (var i = 148; i < 156; i++) h[i] = (byte)' ';
        var sum = h.Sum(b => (long)b);
        Octal(h, 148, 7, sum);
        h[155] = (byte)' ';
    }

    private static (string Prefix, string Name) Split(string path)
    {
        if (Encoding.UTF8.GetByteCount(path) <= 100) return ("", path);
        var trimmed = path.TrimEnd('/');
        for (var i = trimmed.IndexOf('/', StringComparison.Ordinal); i > 0; i = trimmed.IndexOf('/', i + 1))
        {
            var prefix = path[..i];
            var name = path[(i + 1)..];
            if (Encoding.UTF8.GetByteCount(prefix) <= 155 && Encoding.UTF8.GetByteCount(name) <= 100) return (prefix, name);
        }
        throw new InvalidInputException($"'{path}' is too long for a tar layer (name ≤ 100 bytes, folder ≤ 155). Fix: shorten the trained file's path.");
    }

    private static void Ascii(byte[] h, int offset, int length, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        bytes.AsSpan(0, Math.Min(bytes.Length, length)).CopyTo(h.AsSpan(offset));
    }

    private static void Octal(byte[] h, int offset, int length, long value)
    {
        var text = Convert.ToString(value, 8).PadLeft(length - 1, '0');
        Ascii(h, offset, length - 1, text);
    }
}
