using System.Formats.Tar;
using System.IO.Compression;

namespace ModelPipeline.Training.Archives;

public static partial class SafeExtractor
{
    private static void ExtractTarGz(string archive, Context c)
    {
        using var file = File.OpenRead(archive);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var counted = new CountingStream(gzip, c.MaxExpanded, () => Refuse(c.Model, $"it expands more than {c.Limits.MaxCompressionRatio}× its size (maxCompressionRatio): a decompression bomb"));
        using var reader = new TarReader(counted);
        try
        {
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                var relative = c.Admit(entry.Name);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        if (relative is not null) c.Folder(entry.Name, relative);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        if (entry.Length > c.Limits.MaxEntryBytes) c.AddBytes(entry.Name, 0, entry.Length);
                        if (relative is null) break;
                        WriteFile(c, entry.Name, relative, entry.DataStream ?? Stream.Null);
                        break;
                    case TarEntryType.SymbolicLink:
                        CopyLink(c, entry.Name, relative, entry.LinkName, relativeToEntry: true);
                        break;
                    case TarEntryType.HardLink:
                        CopyLink(c, entry.Name, relative, entry.LinkName, relativeToEntry: false);
                        break;
                    default:
                        throw Refuse(c.Model, $"entry '{entry.Name}' is a {entry.EntryType} entry; only files, folders and links inside the folder are allowed");
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw Refuse(c.Model, $"it is not a readable tar.gz ({ex.Message})");
        }
    }

    private static void ExtractZip(string archive, Context c)
    {
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(archive);
        }
        catch (InvalidDataException ex)
        {
            throw Refuse(c.Model, $"it is not a readable zip ({ex.Message})");
        }
        using (zip)
        {
            if (zip.Entries.Count > c.Limits.MaxEntries)
                throw Refuse(c.Model, $"it has {zip.Entries.Count} entries, more than {c.Limits.MaxEntries} (maxEntries). Fix: pack fewer files, or raise training.options.maxEntries");
            foreach (var entry in zip.Entries)
            {
                var relative = c.Admit(entry.FullName);
                var kind = (entry.ExternalAttributes >> 16) & 0xF000;
                if (kind is 0x1000 or 0x2000 or 0x6000 or 0xC000)
                    throw Refuse(c.Model, $"entry '{entry.FullName}' is a device, FIFO or socket; only files, folders and links inside the folder are allowed");
                if (entry.Length > c.Limits.MaxEntryBytes) c.AddBytes(entry.FullName, 0, entry.Length);
                if (entry.CompressedLength > 0 && entry.Length / (double)entry.CompressedLength > c.Limits.MaxCompressionRatio)
                    throw Refuse(c.Model, $"entry '{entry.FullName}' expands {entry.Length / entry.CompressedLength}× (maxCompressionRatio {c.Limits.MaxCompressionRatio}): a decompression bomb");
                if (kind == 0xA000)
                {
                    using var reader = new StreamReader(entry.Open());
                    CopyLink(c, entry.FullName, relative, reader.ReadToEnd(), relativeToEntry: true);
                    continue;
                }
                if (entry.FullName.EndsWith('/'))
                {
                    if (relative is not null) c.Folder(entry.FullName, relative);
                    continue;
                }
                if (relative is null) continue;
                VerifiedCopy(c, entry, relative);
            }
        }
    }

    /// <summary>
    /// Copies a zip entry and checks what was read against the CRC-32 and size its headers declare
    /// (APPNOTE.TXT 4.4.7, 4.4.9): an entry whose data disagrees is refused, never truncated.
    /// </summary>
    private static void VerifiedCopy(Context c, ZipArchiveEntry entry, string relative)
    {
        (long Bytes, uint Crc) copied;
        try
        {
            using var data = entry.Open();
            copied = WriteFile(c, entry.FullName, relative, data);
        }
        catch (InvalidDataException ex)
        {
            throw Refuse(c.Model, $"entry '{entry.FullName}' is damaged ({ex.Message})");
        }
        if (copied.Crc != entry.Crc32 || copied.Bytes != entry.Length)
            throw Refuse(c.Model, $"entry '{entry.FullName}' does not match its CRC-32 and size (declared {entry.Length} bytes, " +
                $"CRC {entry.Crc32:x8}; read {copied.Bytes} bytes, CRC {copied.Crc:x8}): the archive is damaged or forged");
    }

    /// <summary>Writes one file (refusing a name used twice); returns the bytes written and their CRC-32.</summary>
    private static (long Bytes, uint Crc) WriteFile(Context c, string name, string relative, Stream data)
    {
        var target = c.Claim(name, relative);
        using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
        var crc = new System.IO.Hashing.Crc32();
        var buffer = new byte[1 << 16];
        long written = 0;
        int n;
        while ((n = data.Read(buffer)) > 0)
        {
            written += n;
            c.AddBytes(name, n, written);
            crc.Append(buffer.AsSpan(0, n));
            output.Write(buffer, 0, n);
        }
        c.Files++;
        return (written, crc.GetCurrentHashAsUInt32());
    }

    /// <summary>A link inside the folder becomes a copy of the file it names (which must come before it); any other is refused.</summary>
    private static void CopyLink(Context c, string name, string? relative, string linkTarget, bool relativeToEntry)
    {
        var source = c.LinkInside(name, relative ?? name, linkTarget, relativeToEntry);
        if (relative is null) return;
        if (!File.Exists(source))
            throw Refuse(c.Model, $"link '{name}' points at '{linkTarget}', which is not a file extracted before it");
        using var data = File.OpenRead(source);
        WriteFile(c, name, relative, data);
    }

    /// <summary>Counts bytes read through it and stops past a limit.</summary>
    private sealed class CountingStream(Stream inner, long limit, Func<Exception> tooMuch) : Stream
    {
        private long _read;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            _read += n;
            if (_read > limit) throw tooMuch();
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
