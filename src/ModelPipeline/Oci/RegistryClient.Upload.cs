using System.Net;
using ModelPipeline.Errors;

namespace ModelPipeline.Oci;

/// <summary>
/// Uploads. A blob of known digest: POST, then one PUT with the body. A layer being built: POST,
/// one streamed PATCH (tar, gzip and sha256 computed while sending), then PUT with the digest.
/// A failed attempt restarts from a new session and re-sends the whole body. A layer whose own bytes are refused
/// while streaming (a file changed since Validate) is not retried: its session is cancelled with <c>DELETE</c>.
/// </summary>
public sealed partial class RegistryClient
{
    public Task PushBlobAsync(string repository, Descriptor blob, Func<CancellationToken, Task<Stream>> open, CancellationToken ct) =>
        WithRetriesAsync(async () =>
        {
            var location = await StartUploadAsync(repository, ct);
            await using var body = await open(ct);
            var content = new StreamContent(body, 1 << 20);
            content.Headers.ContentType = Octets;
            content.Headers.ContentLength = blob.Size;
            using var response = await SendOnceAsync(() => new HttpRequestMessage(HttpMethod.Put, WithDigest(location, blob.Digest)) { Content = content }, PushScope(repository), ct, bounded: false);
            if (response.StatusCode != HttpStatusCode.Created) throw await RegistryErrors.ToExceptionAsync(Registry, response, ct);
            BytesUploaded += blob.Size;
            return true;
        }, ct);

    public async Task<BuiltLayer> PushLayerAsync(string repository, TarLayer layer, LayerCompression compression,
        CancellationToken ct) =>
        (await UploadLayerAsync(repository, layer, compression, null, ct))!;

    /// <summary>
    /// Streams a layer expected to have digest <paramref name="expected"/>: when its digest differs, the upload
    /// session is cancelled before anything is committed, and the answer is null.
    /// </summary>
    public Task<BuiltLayer?> PushExpectedLayerAsync(string repository, TarLayer layer, LayerCompression compression,
        string expected, CancellationToken ct) =>
        UploadLayerAsync(repository, layer, compression, expected, ct);

    private Task<BuiltLayer?> UploadLayerAsync(string repository, TarLayer layer, LayerCompression compression,
        string? expected, CancellationToken ct) =>
        WithRetriesAsync(async () =>
        {
            var location = await StartUploadAsync(repository, ct);
            var content = new LayerContent(layer, compression);
            try
            {
                using (var patch = await SendOnceAsync(
                    () => new HttpRequestMessage(HttpMethod.Patch, location) { Content = content },
                    PushScope(repository), ct, bounded: false))
                {
                    if (patch.StatusCode != HttpStatusCode.Accepted)
                        throw await RegistryErrors.ToExceptionAsync(Registry, patch, ct);
                    location = Location(patch);
                }
            }
            catch (Exception) when (content.Refused is { } refused)
            {
                // The layer's own bytes were refused (a file changed since Validate): not a registry fault, so
                // no retry; the session is cancelled and nothing of this layer is committed.
                await CancelUploadAsync(repository, location, ct);
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(refused);
            }
            var built = content.Built ?? throw new InvalidOperationException("the layer body was not written");
            if (expected is not null && built.Descriptor.Digest != expected)
            {
                await CancelUploadAsync(repository, location, ct);
                return null;
            }
            using var put = await SendOnceAsync(() => new HttpRequestMessage(HttpMethod.Put, WithDigest(location, built.Descriptor.Digest)), PushScope(repository), ct);
            if (put.StatusCode != HttpStatusCode.Created) throw await RegistryErrors.ToExceptionAsync(Registry, put, ct);
            BytesUploaded += built.Descriptor.Size;
            return (BuiltLayer?)built;
        }, ct);

    /// <summary>
    /// Opens the connection (and fetches a push token where the registry wants one) while the caller does other
    /// start-up work, so the first upload request does not wait for it. Never fails: the real requests report errors.
    /// </summary>
    public async Task WarmUpAsync(string repository, CancellationToken ct)
    {
        try
        {
            using var response = await SendOnceAsync(() => Request(HttpMethod.Get, new Uri(BaseUri, "v2/")),
                PushScope(repository), ct);
        }
        catch (Exception ex) when (ex is PipelineException or RetryableException or HttpRequestException or IOException
            or OperationCanceledException)
        {
            // The same failure is met, and reported, by the first real request.
        }
    }

    /// <summary>
    /// Cancels an upload session (<c>DELETE</c> on its location, OCI distribution spec), best effort: a registry
    /// that already dropped it, or cannot be reached, purges abandoned sessions itself.
    /// </summary>
    private async Task CancelUploadAsync(string repository, Uri location, CancellationToken ct)
    {
        try
        {
            using var response = await SendOnceAsync(() => Request(HttpMethod.Delete, location),
                PushScope(repository), ct);
        }
        catch (Exception ex) when (ex is PipelineException or RetryableException or HttpRequestException or IOException
            or OperationCanceledException)
        {
            _reporter.Warning(null, $"{Registry}: could not cancel the upload session "
                + $"({Redactor.Redact(ex.Message)}); the registry purges it itself");
        }
    }

    private async Task<Uri> StartUploadAsync(string repository, CancellationToken ct)
    {
        using var response = await SendOnceAsync(() => Request(HttpMethod.Post, Url(repository, "blobs/uploads/")), PushScope(repository), ct);
        if (response.StatusCode != HttpStatusCode.Accepted) throw await RegistryErrors.ToExceptionAsync(Registry, response, ct);
        return Location(response);
    }

    /// <summary>A request body that writes the layer straight into the connection while hashing it.</summary>
    private sealed class LayerContent : HttpContent
    {
        private readonly TarLayer _layer;
        private readonly LayerCompression _compression;

        public LayerContent(TarLayer layer, LayerCompression compression)
        {
            _layer = layer;
            _compression = compression;
            Headers.ContentType = Octets;
        }

        public BuiltLayer? Built { get; private set; }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        /// <summary>Why the layer's bytes were refused while writing (a file changed since it was validated).</summary>
        public PipelineException? Refused { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context,
            CancellationToken cancellationToken)
        {
            try
            {
                Built = await LayerBlob.WriteAsync(_layer, _compression, stream, cancellationToken);
            }
            catch (PipelineException ex)
            {
                Refused = ex;
                throw;
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _layer.Size;
            return _compression == LayerCompression.None;
        }
    }
}
