namespace ModelPipeline.Oci;

/// <summary>One blob of a planned image: its digest and size, and whether the target already has it.</summary>
public sealed record PlannedBlob(string Digest, long Size, bool Present);

/// <summary>
/// An image target that writes nothing, for the what-if plan: it asks the real target which blobs and
/// manifests it holds (a HEAD against a registry, a look into an OCI layout), computes each new layer's
/// digest by streaming the tar through the same hashing a push uses (into no file), and records what a
/// push would upload. <see cref="ImageWriter"/> drives it exactly as it drives a real target.
/// </summary>
public sealed class DryRunTarget(IImageTarget real) : IImageTarget
{
    private readonly Dictionary<string, PlannedBlob> _blobs = new(StringComparer.Ordinal);

    /// <summary>Nothing is ever written.</summary>
    public long BytesWritten => 0;

    /// <summary>Every blob the image is made of (base layers, model layers, config), in the order first seen.</summary>
    public IReadOnlyList<PlannedBlob> Blobs => [.. _blobs.Values];

    /// <summary>The manifest's digest and whether the target already has it (set by PutManifestAsync).</summary>
    public string? ManifestDigest { get; private set; }

    public bool ManifestPresent { get; private set; }

    public async Task<bool> HasBlobAsync(Descriptor blob, CancellationToken ct)
    {
        var present = await real.HasBlobAsync(blob, ct);
        _blobs[blob.Digest] = new PlannedBlob(blob.Digest, blob.Size, present);
        return present;
    }

    public async Task<BuiltLayer> PushLayerAsync(TarLayer layer, LayerCompression compression, CancellationToken ct)
    {
        var built = await LayerBlob.WriteAsync(layer, compression, Stream.Null, ct);
        await HasBlobAsync(built.Descriptor, ct);
        return built;
    }

    public Task<bool> PushBlobAsync(Descriptor blob, Func<CancellationToken, Task<Stream>> open, CancellationToken ct)
    {
        _blobs[blob.Digest] = new PlannedBlob(blob.Digest, blob.Size, false);
        return Task.FromResult(true);
    }

    public Task<bool> HasManifestAsync(string digest, CancellationToken ct) => real.HasManifestAsync(digest, ct);

    public async Task PutManifestAsync(byte[] manifest, string mediaType, string tag, CancellationToken ct)
    {
        ManifestDigest = OciDigest.Of(manifest);
        ManifestPresent = await real.HasManifestAsync(ManifestDigest, ct);
    }
}
