using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ModelPipeline.Errors;

namespace ModelPipeline.Oci;

/// <summary>sha256 digests in OCI form (<c>sha256:&lt;64 hex&gt;</c>).</summary>
public static partial class OciDigest
{
    public static string Of(ReadOnlySpan<byte> bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static bool IsValid(string? digest) => digest is not null && Pattern().IsMatch(digest);

    public static string Hex(string digest) => IsValid(digest)
        ? digest[7..]
        : throw new OperationFailedException($"'{digest}' is not a sha256 digest (sha256:<64 lower-case hex>).");

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex Pattern();
}

/// <summary>A write-only stream that hashes and counts what passes through to <paramref name="inner"/>.</summary>
internal sealed class DigestingStream(Stream inner, bool leaveOpen = true) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesWritten { get; private set; }

    public string Digest() => "sha256:" + Convert.ToHexStringLower(_hash.GetCurrentHash());

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        BytesWritten += buffer.Length;
        inner.Write(buffer);
    }

    /// <summary>Starts the write, hashes while it is in flight (the caller keeps the buffer until we return), then awaits it.</summary>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var write = inner.WriteAsync(buffer, cancellationToken);
        _hash.AppendData(buffer.Span);
        BytesWritten += buffer.Length;
        await write;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            if (!leaveOpen) inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesWritten; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
