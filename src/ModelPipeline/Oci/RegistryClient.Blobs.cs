using System.Net;

namespace ModelPipeline.Oci;

/// <summary>Blobs: HEAD (skip what exists), GET (streamed), cross-repository mount.</summary>
public sealed partial class RegistryClient
{
    public async Task<bool> HasBlobAsync(string repository, Descriptor blob, CancellationToken ct)
    {
        using var response = await SendAsync(() => Request(HttpMethod.Head, Url(repository, $"blobs/{blob.Digest}")), PullScope(repository), ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        if (!response.IsSuccessStatusCode) throw await RegistryErrors.ToExceptionAsync(Registry, response, ct);
        return response.Content.Headers.ContentLength is not { } length || length == blob.Size;
    }

    /// <summary>Opens a blob for streaming; the caller verifies the digest as it reads.</summary>
    public async Task<Stream> OpenBlobAsync(string repository, Descriptor blob, CancellationToken ct)
    {
        var response = await SendAsync(() => Request(HttpMethod.Get, Url(repository, $"blobs/{blob.Digest}")), PullScope(repository), ct, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            using (response) throw await RegistryErrors.ToExceptionAsync(Registry, response, ct);
        }
        return new ResponseStream(response, await response.Content.ReadAsStreamAsync(ct));
    }

    /// <summary>Reads a small blob (a config) whole, verifying its digest.</summary>
    public async Task<byte[]> ReadBlobAsync(string repository, Descriptor blob, CancellationToken ct)
    {
        using var response = await SendAsync(() => Request(HttpMethod.Get, Url(repository, $"blobs/{blob.Digest}")), PullScope(repository), ct);
        if (!response.IsSuccessStatusCode) throw await RegistryErrors.ToExceptionAsync(Registry, response, ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        if (OciDigest.Of(bytes) != blob.Digest)
            throw new Errors.OperationFailedException($"registry {Registry}: blob {blob.Digest} of {repository} arrived with digest {OciDigest.Of(bytes)}.");
        return bytes;
    }

    /// <summary>Mounts a blob from another repository of the same registry; false when the registry declines.</summary>
    public async Task<bool> MountBlobAsync(string repository, string fromRepository, Descriptor blob, CancellationToken ct)
    {
        var url = Url(repository, $"blobs/uploads/?mount={Uri.EscapeDataString(blob.Digest)}&from={Uri.EscapeDataString(fromRepository)}");
        using var response = await SendAsync(() => Request(HttpMethod.Post, url), $"repository:{repository}:pull,push repository:{fromRepository}:pull", ct);
        if (response.StatusCode == HttpStatusCode.Created) return true;
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            // The registry opened an upload session instead; cancel it so nothing is left behind.
            var location = Location(response);
            using var cancel = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, location), ct);
            return false;
        }
        throw await RegistryErrors.ToExceptionAsync(Registry, response, ct);
    }

    /// <summary>A response body that disposes its response when closed.</summary>
    private sealed class ResponseStream(HttpResponseMessage response, Stream inner) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => response.Content.Headers.ContentLength ?? throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
