using ModelPipeline.Oci;

namespace ModelPipeline.Retention;

/// <summary>
/// One place images live, as garbage collection sees it: its tags, its manifests, and deleting
/// manifests. A registry repository frees blobs in its own garbage collection; a layout deletes the
/// blob files itself (<see cref="DeleteBlobsAsync"/>).
/// </summary>
public interface ICollectableStore
{
    string Describe { get; }

    /// <summary>Every tag and the manifest digest it points at.</summary>
    Task<IReadOnlyList<(string Tag, string Digest)>> TagsAsync(CancellationToken ct);

    /// <summary>A manifest's bytes and media type, or null when the store does not have it.</summary>
    Task<(byte[] Bytes, string MediaType)?> ManifestAsync(string digest, CancellationToken ct);

    /// <summary>Removes the manifests and every tag pointing at them.</summary>
    Task DeleteManifestsAsync(IReadOnlyList<string> digests, CancellationToken ct);

    /// <summary>Deletes blobs nothing uses any more; false when the store leaves that to its own garbage
    /// collection.</summary>
    Task<bool> DeleteBlobsAsync(IReadOnlyList<string> digests, CancellationToken ct);
}

/// <summary>A registry repository through the distribution API.</summary>
public sealed class RegistryCollectableStore(RegistryClient client, ImageReference repository) : ICollectableStore
{
    public string Describe => $"the registry repository {repository.Name}";

    public async Task<IReadOnlyList<(string Tag, string Digest)>> TagsAsync(CancellationToken ct)
    {
        var result = new List<(string, string)>();
        foreach (var tag in await client.ListTagsAsync(repository.Repository, ct))
            if (await client.ResolveTagAsync(repository.Repository, tag, ct) is { } digest) result.Add((tag, digest));
        return result;
    }

    public async Task<(byte[] Bytes, string MediaType)?> ManifestAsync(string digest, CancellationToken ct)
    {
        if (!await client.HasManifestAsync(repository.Repository, digest, ct)) return null;
        var (bytes, mediaType, _) = await client.GetManifestAsync(repository.Repository, digest, ct);
        return (bytes, mediaType);
    }

    public async Task DeleteManifestsAsync(IReadOnlyList<string> digests, CancellationToken ct)
    {
        foreach (var digest in digests) await client.DeleteManifestAsync(repository.Repository, digest, ct);
    }

    public Task<bool> DeleteBlobsAsync(IReadOnlyList<string> digests, CancellationToken ct) => Task.FromResult(false);
}

/// <summary>An OCI image layout: tags are index.json entries, manifests and blobs are files.</summary>
public sealed class LayoutCollectableStore(OciLayout layout) : ICollectableStore
{
    public string Describe => $"the OCI layout {layout.Root}";

    public Task<IReadOnlyList<(string Tag, string Digest)>> TagsAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<(string, string)>>(layout.ReadIndex().Manifests
            .Select(m => (m.Annotations?.GetValueOrDefault(OciLayout.RefName) ?? "", m.Digest)).ToList());

    public async Task<(byte[] Bytes, string MediaType)?> ManifestAsync(string digest, CancellationToken ct)
    {
        var path = layout.BlobPath(digest);
        if (!File.Exists(path)) return null;
        var bytes = await File.ReadAllBytesAsync(path, ct);
        if (OciDigest.Of(bytes) != digest)
            throw new Errors.OperationFailedException($"blob {digest} in {Describe} has another digest: the layout is "
                + "corrupt. "
                + "Fix: restore the layout from a backup before collecting garbage in it.");
        using var doc = System.Text.Json.JsonDocument.Parse(bytes);
        var mediaType = doc.RootElement.TryGetProperty("mediaType", out var m) ? m.GetString() : null;
        return (bytes, mediaType ?? MediaTypes.OciManifest);
    }

    public async Task DeleteManifestsAsync(IReadOnlyList<string> digests, CancellationToken ct)
    {
        await layout.RemoveManifestsAsync(digests.ToHashSet(StringComparer.Ordinal), ct);
        foreach (var digest in digests) layout.DeleteBlob(digest);
    }

    public Task<bool> DeleteBlobsAsync(IReadOnlyList<string> digests, CancellationToken ct)
    {
        foreach (var digest in digests) layout.DeleteBlob(digest);
        return Task.FromResult(true);
    }
}
