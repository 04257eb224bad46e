using System.Text.Json.Serialization;
using ModelPipeline.Oci;

namespace ModelPipeline.Trust;

/// <summary>An OCI 1.1 artifact manifest: an image manifest with <c>artifactType</c> and a <c>subject</c>.</summary>
public sealed record ArtifactManifest
{
    public int SchemaVersion { get; init; } = 2;
    public string MediaType { get; init; } = MediaTypes.OciManifest;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ArtifactType { get; init; }

    public required Descriptor Config { get; init; }
    public required IReadOnlyList<Descriptor> Layers { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Descriptor? Subject { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}

/// <summary>
/// Attaches artifacts to an image and finds them from its digest alone (OCI distribution 1.1):
/// the manifest is PUT by digest with the image as <c>subject</c>; when the registry does not answer
/// <c>OCI-Subject</c> (Debian's docker-registry 2.8 has no referrers API; OCI layouts neither), the
/// image index under the tag <c>sha256-&lt;hex&gt;</c> (the referrers tag scheme) lists it.
/// An artifact of the same type attached earlier is replaced in that index.
/// </summary>
public static class Referrers
{
    public const string EmptyMediaType = "application/vnd.oci.empty.v1+json";
    private static readonly byte[] Empty = "{}"u8.ToArray();

    public static string TagFor(string digest) => "sha256-" + OciDigest.Hex(digest);

    public static async Task<Descriptor> AttachAsync(IArtifactStore store, Descriptor subject, string artifactType,
        byte[] content, string contentMediaType, IReadOnlyDictionary<string, string> annotations, CancellationToken ct)
    {
        await store.PutBlobAsync(Empty, EmptyMediaType, ct);
        await store.PutBlobAsync(content, contentMediaType, ct);
        var manifest = OciJson.Serialize(new ArtifactManifest
        {
            ArtifactType = artifactType,
            Config = new Descriptor { MediaType = EmptyMediaType, Digest = OciDigest.Of(Empty), Size = Empty.Length },
            Layers = [new Descriptor { MediaType = contentMediaType, Digest = OciDigest.Of(content), Size = content.Length }],
            Subject = subject with { Annotations = null, Platform = null, ArtifactType = null },
            Annotations = new SortedDictionary<string, string>(annotations.ToDictionary(), StringComparer.Ordinal),
        });
        var descriptor = new Descriptor
        {
            MediaType = MediaTypes.OciManifest,
            Digest = OciDigest.Of(manifest),
            Size = manifest.Length,
            ArtifactType = artifactType,
            Annotations = annotations,
        };
        if (await store.PutManifestAsync(manifest, MediaTypes.OciManifest, descriptor.Digest, ct)) return descriptor;

        var tag = TagFor(subject.Digest);
        var existing = await store.TryGetManifestAsync(tag, ct);
        var entries = existing is null ? [] : OciJson.Deserialize<ImageIndex>(existing, $"referrers index {tag}").Manifests
            .Where(m => m.ArtifactType != artifactType && m.Digest != descriptor.Digest).ToList();
        entries.Add(descriptor);
        await store.PutManifestAsync(OciJson.Serialize(new ImageIndex { Manifests = entries }), MediaTypes.OciIndex, tag, ct);
        return descriptor;
    }

    /// <summary>Every artifact that names <paramref name="digest"/> as its subject: the referrers API, else the tag scheme.</summary>
    public static async Task<IReadOnlyList<Descriptor>> ListAsync(IArtifactStore store, string digest, CancellationToken ct)
    {
        var index = await store.ReferrersApiAsync(digest, ct) ?? await store.TryGetManifestAsync(TagFor(digest), ct);
        return index is null ? [] : OciJson.Deserialize<ImageIndex>(index, $"referrers of {digest}").Manifests;
    }
}
