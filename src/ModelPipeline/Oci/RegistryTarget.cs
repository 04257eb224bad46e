namespace ModelPipeline.Oci;

/// <summary>A repository in a registry as an <see cref="IImageTarget"/>. Base layers from the same registry are mounted, not copied.</summary>
public sealed class RegistryTarget(RegistryClient client, string repository, ImageReference? baseReference = null) : IImageTarget
{
    private readonly long _start = client.BytesUploaded;

    public long BytesWritten => client.BytesUploaded - _start;

    public Task<bool> HasBlobAsync(Descriptor blob, CancellationToken ct) => client.HasBlobAsync(repository, blob, ct);

    public Task<BuiltLayer> PushLayerAsync(TarLayer layer, LayerCompression compression, CancellationToken ct) =>
        client.PushLayerAsync(repository, layer, compression, ct);

    /// <summary>
    /// No hash at all: the files are not hashed one by one, nor the layer; the registry checks the bytes against the
    /// known digest (which Validate recorded, or a build that checked every file against the validation manifest gave
    /// for the same recipe). Equal digests mean the same bytes, so the files are still the validated ones. When the
    /// registry refuses the digest, that upload is cancelled and the layer is pushed again with every file checked,
    /// which names a changed file (or succeeds, when the known digest was wrong).
    /// </summary>
    public async Task<BuiltLayer> PushKnownLayerAsync(TarLayer layer, LayerCompression compression, BuiltLayer known,
        CancellationToken ct)
    {
        if (compression == LayerCompression.None
            && await client.PushLayerCheckedByRegistryAsync(repository, layer.WithoutFileHashes(), known, ct))
            return known;
        return await PushLayerAsync(layer, compression, ct);
    }

    public async Task<bool> PushBlobAsync(Descriptor blob, Func<CancellationToken, Task<Stream>> open, CancellationToken ct)
    {
        if (baseReference is not null && baseReference.Registry.Equals(client.Registry, StringComparison.OrdinalIgnoreCase)
            && baseReference.Repository != repository && await client.MountBlobAsync(repository, baseReference.Repository, blob, ct))
            return false;
        await client.PushBlobAsync(repository, blob, open, ct);
        return true;
    }

    public Task<bool> HasManifestAsync(string digest, CancellationToken ct) => client.HasManifestAsync(repository, digest, ct);

    public Task PutManifestAsync(byte[] manifest, string mediaType, string tag, CancellationToken ct) =>
        client.PutManifestAsync(repository, tag, manifest, mediaType, ct);
}
