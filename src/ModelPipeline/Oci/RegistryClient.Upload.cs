using System.Net;
using ModelPipeline.Errors;

namespace ModelPipeline.Oci;

/// <summary>
/// Uploads. A blob of known digest: POST, then one PUT with the body. A layer being built: POST,
/// one streamed PATCH (tar, gzip and sha256 computed while sending), then PUT with the digest. A layer whose
/// digest is known (recorded by Validate, or by the layer cache): POST, then one PUT ?digest= with the unhashed
/// body, which the registry verifies. A failed attempt restarts from a new session and re-sends the whole body.
/// A layer whose own bytes are refused (a file changed since Validate) is not retried: its session is cancelled
/// with <c>DELETE</c>.
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
            Interlocked.Add(ref _bytesUploaded, blob.Size);
            return true;
        }, ct);

    public Task<BuiltLayer> PushLayerAsync(string repository, TarLayer layer, LayerCompression compression,
        CancellationToken ct) =>
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
            using var put = await SendOnceAsync(() => new HttpRequestMessage(HttpMethod.Put, WithDigest(location, built.Descriptor.Digest)), PushScope(repository), ct);
            if (put.StatusCode != HttpStatusCode.Created) throw await RegistryErrors.ToExceptionAsync(Registry, put, ct);
            Interlocked.Add(ref _bytesUploaded, built.Descriptor.Size);
            return built;
        }, ct);

    /// <summary>
    /// Sends an uncompressed layer whose digest is known (Validate recorded it, or an earlier checked build of the same
    /// recipe gave it) without hashing it here, in one monolithic <c>PUT ?digest=</c>: the registry is the verifier.
    /// The OCI distribution spec has the registry verify that the uploaded content matches the <c>digest</c>
    /// parameter of the closing PUT and reject it otherwise ("Completed Upload", "Digest Parameter"; error code
    /// DIGEST_INVALID); docker-registry (distribution 2.8, <c>PutBlobUploadComplete</c>) answers 400 DIGEST_INVALID
    /// and drops the upload. So a stored blob is the validated bytes. False when the registry refused the digest
    /// (a file changed since it was hashed, or a wrong cache entry): the session is cancelled, nothing was stored.
    /// </summary>
    public Task<bool> PushLayerCheckedByRegistryAsync(string repository, TarLayer layer, BuiltLayer known,
        CancellationToken ct) =>
        WithRetriesAsync(async () =>
        {
            var location = await StartUploadAsync(repository, ct);
            var content = new LayerContent(layer, LayerCompression.None, known);
            var put = WithDigest(location, known.Descriptor.Digest);
            HttpResponseMessage response;
            try
            {
                response = await SendOnceAsync(() => new HttpRequestMessage(HttpMethod.Put, put) { Content = content },
                    PushScope(repository), ct, bounded: false);
            }
            catch (Exception) when (content.Refused is { } refused)
            {
                await CancelUploadAsync(repository, location, ct);
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(refused);
                throw;
            }
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    Interlocked.Add(ref _bytesUploaded, known.Descriptor.Size);
                    return true;
                }
                var detail = await RegistryErrors.DescribeAsync(response, ct);
                if (response.StatusCode != HttpStatusCode.BadRequest
                    || !detail.Contains("DIGEST_INVALID", StringComparison.Ordinal))
                    throw await RegistryErrors.ToExceptionAsync(Registry, response, ct);
            }
            await CancelUploadAsync(repository, location, ct);
            return false;
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

    /// <summary>A request body that writes the layer straight into the connection while hashing it (or, its digest
    /// <paramref name="known"/>, without hashing: the registry checks it).</summary>
    private sealed class LayerContent : HttpContent
    {
        private readonly TarLayer _layer;
        private readonly LayerCompression _compression;
        private readonly BuiltLayer? _known;

        public LayerContent(TarLayer layer, LayerCompression compression, BuiltLayer? known = null)
        {
            _layer = layer;
            _compression = compression;
            _known = known;
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
                if (_known is null) Built = await LayerBlob.WriteAsync(_layer, _compression, stream, cancellationToken);
                else
                {
                    await _layer.WriteAsync(stream, cancellationToken);
                    Built = _known;
                }
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
