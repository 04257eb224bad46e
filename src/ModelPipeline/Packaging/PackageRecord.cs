namespace ModelPipeline.Packaging;

/// <summary>
/// What PackageModelCar produced for one training key, stored as <c>runs/&lt;key&gt;/package.json</c>.
/// PushMirrors reads it (and tags <c>&lt;model&gt;-v&lt;N&gt;</c> with <see cref="PublishedImage"/>);
/// UpdateGitOps pins <see cref="StorageUri"/>.
/// </summary>
public sealed record PackageRecord
{
    public required string Model { get; init; }
    public required string TrainingKey { get; init; }

    /// <summary><c>registry</c>, <c>oci-layout</c> or <c>tarball</c>.</summary>
    public required string Destination { get; init; }

    /// <summary><c>host[:port]/path</c> the image is (or would be) pushed to.</summary>
    public required string Repository { get; init; }

    public required string Tag { get; init; }

    /// <summary>The manifest digest, <c>sha256:…</c>.</summary>
    public required string Digest { get; init; }

    /// <summary><c>repo@sha256:…</c>.</summary>
    public required string Reference { get; init; }

    /// <summary>KServe's <c>oci://repo@sha256:…</c>.</summary>
    public required string StorageUri { get; init; }

    /// <summary>Manifest + config + all layers (base included).</summary>
    public required long SizeBytes { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The OCI layout directory or tarball path for local destinations.</summary>
    public string? Location { get; init; }

    /// <summary>A digest of the settings that shaped the image; a re-run with the same key and inputs is skipped.</summary>
    public string? Inputs { get; init; }

    /// <summary>The zoo version whose recorded image this is (null: packaged in this run or an earlier one here).</summary>
    public int? ReusedVersion { get; init; }

    /// <summary>The <c>modelcar.baseImage</c> the image was packaged on (null in older records).</summary>
    public string? BaseImage { get; init; }

    /// <summary>Lint findings that did not block (e.g. no /bin/sh in a scratch image).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The SBOM, provenance and (with a signing key) signatures attached to the image; null in older records.</summary>
    public Trust.AttestationRecord? Attestations { get; init; }

    /// <summary>The CNCF ModelPack artifact of the same files (<c>modelcar.formats</c>), null when not pushed.</summary>
    public string? ModelPack { get; init; }
}
