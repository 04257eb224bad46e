using ModelPipeline.Errors;
using ModelPipeline.Oci;

namespace ModelPipeline.Trust;

/// <summary>
/// Where an image's signatures and attestations live beside it: its registry repository, or the OCI
/// image layout it was packaged into. Small documents only (held in memory).
/// </summary>
public interface IArtifactStore
{
    /// <summary>The repository name signatures identify (<c>host[:port]/path</c>).</summary>
    string Repository { get; }

    string Describe { get; }

    Task PutBlobAsync(byte[] bytes, string mediaType, CancellationToken ct);

    /// <summary>PUTs a manifest under a tag or its digest; true when the store indexed its <c>subject</c> itself (referrers API).</summary>
    Task<bool> PutManifestAsync(byte[] manifest, string mediaType, string reference, CancellationToken ct);

    Task<byte[]?> TryGetManifestAsync(string reference, CancellationToken ct);

    Task<byte[]> ReadBlobAsync(Descriptor blob, CancellationToken ct);

    /// <summary>The referrers API's index, or null when the store has no such API (then the tag scheme is used).</summary>
    Task<byte[]?> ReferrersApiAsync(string digest, CancellationToken ct);
}

/// <summary>A registry repository, through the packager's registry client (credentials, retries).</summary>
public sealed class RegistryArtifactStore(RegistryClient client, ImageReference repository) : IArtifactStore
{
    public string Repository => repository.Name;

    public string Describe => $"the registry repository {repository.Name}";

    public async Task PutBlobAsync(byte[] bytes, string mediaType, CancellationToken ct)
    {
        var blob = new Descriptor { MediaType = mediaType, Digest = OciDigest.Of(bytes), Size = bytes.Length };
        if (!await client.HasBlobAsync(repository.Repository, blob, ct))
            await client.PushBlobAsync(repository.Repository, blob, _ => Task.FromResult<Stream>(new MemoryStream(bytes, writable: false)), ct);
    }

    public Task<bool> PutManifestAsync(byte[] manifest, string mediaType, string reference, CancellationToken ct) =>
        client.PutManifestWithSubjectAsync(repository.Repository, reference, manifest, mediaType, ct);

    public Task<byte[]?> TryGetManifestAsync(string reference, CancellationToken ct) => client.TryGetManifestAsync(repository.Repository, reference, ct);

    public Task<byte[]> ReadBlobAsync(Descriptor blob, CancellationToken ct) => client.ReadBlobAsync(repository.Repository, blob, ct);

    public Task<byte[]?> ReferrersApiAsync(string digest, CancellationToken ct) => client.GetReferrersAsync(repository.Repository, digest, ct);
}

/// <summary>An OCI image layout: artifacts are blobs, found through tags in index.json (the referrers tag scheme).</summary>
public sealed class LayoutArtifactStore(OciLayout layout, string repository) : IArtifactStore
{
    public string Repository => repository;

    public string Describe => $"the OCI layout {layout.Root}";

    public async Task PutBlobAsync(byte[] bytes, string mediaType, CancellationToken ct)
    {
        var blob = new Descriptor { MediaType = mediaType, Digest = OciDigest.Of(bytes), Size = bytes.Length };
        if (!await layout.HasBlobAsync(blob, ct))
            await layout.PushBlobAsync(blob, _ => Task.FromResult<Stream>(new MemoryStream(bytes, writable: false)), ct);
    }

    public async Task<bool> PutManifestAsync(byte[] manifest, string mediaType, string reference, CancellationToken ct)
    {
        if (OciDigest.IsValid(reference)) await PutBlobAsync(manifest, mediaType, ct);
        else await layout.PutManifestAsync(manifest, mediaType, reference, ct);
        return false;
    }

    public Task<byte[]?> TryGetManifestAsync(string reference, CancellationToken ct)
    {
        var digest = OciDigest.IsValid(reference) ? reference : layout.Resolve(reference)?.Digest;
        var path = digest is null ? null : layout.BlobPath(digest);
        return Task.FromResult(path is not null && File.Exists(path) ? Checked(File.ReadAllBytes(path), digest!) : null);
    }

    public Task<byte[]> ReadBlobAsync(Descriptor blob, CancellationToken ct)
    {
        var path = layout.BlobPath(blob.Digest);
        if (!File.Exists(path)) throw new OperationFailedException($"blob {blob.Digest} is not in {Describe}.");
        return Task.FromResult(Checked(File.ReadAllBytes(path), blob.Digest));
    }

    public Task<byte[]?> ReferrersApiAsync(string digest, CancellationToken ct) => Task.FromResult<byte[]?>(null);

    private byte[] Checked(byte[] bytes, string digest) => OciDigest.Of(bytes) == digest
        ? bytes
        : throw new OperationFailedException($"blob {digest} in {Describe} has digest {OciDigest.Of(bytes)}: the layout is corrupt.");
}

/// <summary>
/// A copy of a published image in another repository (the prod registry's): it is read there, while its
/// signatures name the repository the image was published and signed in, as containers-policy's
/// <c>remapIdentity</c> does for a mirror. The copy carries the same signature by digest.
/// </summary>
public sealed class CopyArtifactStore(IArtifactStore copy, string signedRepository) : IArtifactStore
{
    public string Repository => signedRepository;

    public string Describe => $"{copy.Describe} (a copy of {signedRepository})";

    public Task PutBlobAsync(byte[] bytes, string mediaType, CancellationToken ct) => copy.PutBlobAsync(bytes, mediaType, ct);

    public Task<bool> PutManifestAsync(byte[] manifest, string mediaType, string reference, CancellationToken ct) =>
        copy.PutManifestAsync(manifest, mediaType, reference, ct);

    public Task<byte[]?> TryGetManifestAsync(string reference, CancellationToken ct) => copy.TryGetManifestAsync(reference, ct);

    public Task<byte[]> ReadBlobAsync(Descriptor blob, CancellationToken ct) => copy.ReadBlobAsync(blob, ct);

    public Task<byte[]?> ReferrersApiAsync(string digest, CancellationToken ct) => copy.ReferrersApiAsync(digest, ct);
}
