using System.Security.Cryptography;
using ModelPipeline.Errors;

namespace ModelPipeline.Zoo.Pull;

/// <summary>
/// A read-only stream over a blob that hashes everything read and, at the end, throws unless the
/// sha256 and length equal the descriptor's: a tampered or truncated blob never passes silently.
/// </summary>
internal sealed class VerifyingStream(Stream inner, string digest, long? size, string what) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;
    private bool _verified;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Advance(buffer[..n], eof: n == 0 && buffer.Length > 0);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        Advance(buffer.Span[..n], eof: n == 0 && buffer.Length > 0);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Reads whatever is left and verifies the digest.</summary>
    public async Task DrainAsync(CancellationToken ct)
    {
        var buffer = new byte[1 << 16];
        while (await ReadAsync(buffer, ct) > 0) { }
    }

    /// <summary>Hashes what was read; at the end of the stream (a non-empty read that returned nothing), verifies.</summary>
    private void Advance(ReadOnlySpan<byte> data, bool eof)
    {
        if (eof)
        {
            Verify();
            return;
        }
        _hash.AppendData(data);
        _read += data.Length;
        if (size is { } s && _read > s)
            throw new OperationFailedException($"{what}: more than the {s} bytes its descriptor announces; refusing the image. Fix: the blob store is corrupt or tampered with; re-push the image.");
    }

    private void Verify()
    {
        if (_verified) return;
        _verified = true;
        var actual = "sha256:" + Convert.ToHexStringLower(_hash.GetHashAndReset());
        if (actual != digest || (size is { } s && s != _read))
            throw new OperationFailedException($"{what}: digest mismatch (expected {digest}, {size?.ToString() ?? "?"} bytes; got {actual}, {_read} bytes); refusing the image. Fix: the blob store is corrupt or tampered with; re-push the image.");
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
