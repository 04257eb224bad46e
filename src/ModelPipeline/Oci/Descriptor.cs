using System.Text.Json.Serialization;

namespace ModelPipeline.Oci;

/// <summary>An OCI content descriptor: what a blob is, its digest and its size.</summary>
public sealed record Descriptor
{
    public required string MediaType { get; init; }
    public required string Digest { get; init; }
    public required long Size { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Platform? Platform { get; init; }

    /// <summary>The artifact type of a referrer (in a referrers index).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ArtifactType { get; init; }

    /// <summary>The hex part of <see cref="Digest"/> (validated: sha256 only).</summary>
    [JsonIgnore] public string Hex => OciDigest.Hex(Digest);
}

public sealed record Platform
{
    public required string Architecture { get; init; }
    public required string Os { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Variant { get; init; }
}

/// <summary>The media types this builder reads and writes.</summary>
public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";

    public static readonly string ManifestAccept = string.Join(", ", OciManifest, OciIndex, DockerManifest, DockerManifestList);

    public static bool IsIndex(string mediaType) => mediaType is OciIndex or DockerManifestList;

    /// <summary>A base image's Docker layer type as its OCI equivalent (the bytes are the same).</summary>
    public static string ToOciLayer(string mediaType) => mediaType switch
    {
        DockerLayerGzip => OciLayerGzip,
        DockerLayer => OciLayer,
        _ => mediaType,
    };
}
