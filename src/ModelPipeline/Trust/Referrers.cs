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

    /// <summary>One artifact ready to attach: its content blob, its manifest and the descriptor listing it.</summary>
    public sealed record Artifact(byte[] Content, string ContentMediaType, byte[] Manifest, Descriptor Descriptor);

    public static async Task<Descriptor> AttachAsync(IArtifactStore store, Descriptor subject, string artifactType,
        byte[] content, string contentMediaType, IReadOnlyDictionary<string, string> annotations, CancellationToken ct)
    {
        var artifact = Build(subject, artifactType, content, contentMediaType, annotations);
        await PushBlobsAsync(store, [artifact], ct);
        await AttachAsync(store, subject, [artifact], ct);
        return artifact.Descriptor;
    }

    /// <summary>The artifact's manifest (config: the empty blob; one layer: the content; subject: the image).</summary>
    public static Artifact Build(Descriptor subject, string artifactType, byte[] content, string contentMediaType,
        IReadOnlyDictionary<string, string> annotations)
    {
        var manifest = OciJson.Serialize(new ArtifactManifest
        {
            ArtifactType = artifactType,
            Config = new Descriptor { MediaType = EmptyMediaType, Digest = OciDigest.Of(Empty), Size = Empty.Length },
            Layers = [new Descriptor { MediaType = contentMediaType, Digest = OciDigest.Of(content), Size = content.Length }],
            Subject = subject with { Annotations = null, Platform = null, ArtifactType = null },
            Annotations = new SortedDictionary<string, string>(annotations.ToDictionary(), StringComparer.Ordinal),
        });
        return new Artifact(content, contentMediaType, manifest, new Descriptor
        {
            MediaType = MediaTypes.OciManifest,
            Digest = OciDigest.Of(manifest),
            Size = manifest.Length,
            ArtifactType = artifactType,
            Annotations = annotations,
        });
    }

    /// <summary>The blobs the artifacts' manifests name (the empty config once, each content), concurrently. They
    /// do not need the subject to be stored yet.</summary>
    public static Task PushBlobsAsync(IArtifactStore store, IReadOnlyList<Artifact> artifacts, CancellationToken ct) =>
        Task.WhenAll(artifacts.Select(a => store.PutBlobAsync(a.Content, a.ContentMediaType, ct))
            .Prepend(store.PutBlobAsync(Empty, EmptyMediaType, ct)));

    /// <summary>
    /// The artifacts' manifests, PUT by digest (concurrently) once their blobs and the subject are stored; when the
    /// store does not index a subject itself, one update of the tag scheme's index lists them all (each replacing an
    /// earlier artifact of its type).
    /// </summary>
    public static async Task AttachAsync(IArtifactStore store, Descriptor subject, IReadOnlyList<Artifact> artifacts,
        CancellationToken ct)
    {
        var indexed = await Task.WhenAll(artifacts.Select(a =>
            store.PutManifestAsync(a.Manifest, MediaTypes.OciManifest, a.Descriptor.Digest, ct)));
        var unindexed = artifacts.Where((_, i) => !indexed[i]).Select(a => a.Descriptor).ToList();
        if (unindexed.Count == 0) return;

        var tag = TagFor(subject.Digest);
        var existing = await store.TryGetManifestAsync(tag, ct);
        var entries = existing is null ? [] : OciJson.Deserialize<ImageIndex>(existing, $"referrers index {tag}").Manifests
            .Where(m => !unindexed.Any(d => m.ArtifactType == d.ArtifactType || m.Digest == d.Digest)).ToList();
        entries.AddRange(unindexed);
        await store.PutManifestAsync(OciJson.Serialize(new ImageIndex { Manifests = entries }), MediaTypes.OciIndex, tag, ct);
    }

    /// <summary>Every artifact that names <paramref name="digest"/> as its subject: the referrers API, else the tag scheme.</summary>
    public static async Task<IReadOnlyList<Descriptor>> ListAsync(IArtifactStore store, string digest, CancellationToken ct)
    {
        var index = await store.ReferrersApiAsync(digest, ct) ?? await store.TryGetManifestAsync(TagFor(digest), ct);
        return index is null ? [] : OciJson.Deserialize<ImageIndex>(index, $"referrers of {digest}").Manifests;
    }
}
