namespace ModelPipeline.Oci;

/// <summary>
/// Where an image is written: an OCI image-layout directory or a registry repository.
/// Blobs first (each skipped when present), the manifest last.
/// </summary>
public interface IImageTarget
{
    /// <summary>Blob bytes actually written or uploaded so far.</summary>
    long BytesWritten { get; }

    Task<bool> HasBlobAsync(Descriptor blob, CancellationToken ct);

    /// <summary>Streams a layer into the target while computing its digest (one pass).</summary>
    Task<BuiltLayer> PushLayerAsync(TarLayer layer, LayerCompression compression, CancellationToken ct);

    /// <summary>
    /// Streams a layer whose digest a verified earlier build of the same validated files gave (the layer cache).
    /// A target may then skip the per-file sha256 and compare the layer digest instead; by default the same as
    /// <see cref="PushLayerAsync"/>.
    /// </summary>
    Task<BuiltLayer> PushKnownLayerAsync(TarLayer layer, LayerCompression compression, BuiltLayer known,
        CancellationToken ct) =>
        PushLayerAsync(layer, compression, ct);

    /// <summary>
    /// Stores a blob of known digest and size (a base image layer): copied from <paramref name="open"/>,
    /// or mounted from another repository of the same registry. Returns true when bytes were copied.
    /// </summary>
    Task<bool> PushBlobAsync(Descriptor blob, Func<CancellationToken, Task<Stream>> open, CancellationToken ct);

    Task<bool> HasManifestAsync(string digest, CancellationToken ct);

    /// <summary>Stores the manifest under its digest and points <paramref name="tag"/> at it.</summary>
    Task PutManifestAsync(byte[] manifest, string mediaType, string tag, CancellationToken ct);
}
