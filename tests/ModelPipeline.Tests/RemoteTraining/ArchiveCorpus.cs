using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace ModelPipeline.Tests.RemoteTraining;

/// <summary>Builds archives for the extraction tests: good ones and every kind of hostile one.</summary>
public static class ArchiveCorpus
{
    public static void TarGz(string path, Action<TarWriter> write, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var file = System.IO.File.Create(path);
        using var gzip = new GZipStream(file, level);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        write(tar);
    }

    public static void Entry(TarWriter tar, string name, string content)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };
        tar.WriteEntry(entry);
    }

    public static void Link(TarWriter tar, TarEntryType type, string name, string target) =>
        tar.WriteEntry(new PaxTarEntry(type, name) { LinkName = target });

    public static void Zip(string path, params (string Name, string Content, int UnixMode)[] entries)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, content, mode) in entries)
        {
            var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
            if (mode != 0) entry.ExternalAttributes = mode << 16;
            using var s = entry.Open();
            s.Write(Encoding.UTF8.GetBytes(content));
        }
    }

    /// <summary>
    /// Rewrites the CRC-32 and/or uncompressed size of every entry in a zip's local headers and
    /// central directory (APPNOTE.TXT 4.3.7 and 4.3.12: CRC at offset 14/16, uncompressed size at
    /// 22/24), leaving the data as it was: an archive that lies about its content.
    /// </summary>
    public static void LieInZip(string path, uint? crc, uint? size)
    {
        var bytes = System.IO.File.ReadAllBytes(path);
        for (var i = 0; i + 46 <= bytes.Length; i++)
        {
            var signature = BitConverter.ToUInt32(bytes, i);
            var (crcAt, sizeAt) = signature switch { 0x04034b50 => (i + 14, i + 22), 0x02014b50 => (i + 16, i + 24), _ => (-1, -1) };
            if (crcAt < 0) continue;
            if (crc is { } c) BitConverter.TryWriteBytes(bytes.AsSpan(crcAt, 4), c);
            if (size is { } s) BitConverter.TryWriteBytes(bytes.AsSpan(sizeAt, 4), s);
        }
        System.IO.File.WriteAllBytes(path, bytes);
    }

    /// <summary>A tar.gz whose one file is <paramref name="bytes"/> zeros: tiny on disk, huge unpacked.</summary>
    public static void GzipBomb(string path, long bytes) => TarGz(path, tar =>
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, "models/weights.bin") { DataStream = new ZeroStream(bytes) };
        tar.WriteEntry(entry);
    }, CompressionLevel.SmallestSize);

    private sealed class ZeroStream(long length) : Stream
    {
        private long _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => _position = value; }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _position + offset, _ => length + offset };
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
