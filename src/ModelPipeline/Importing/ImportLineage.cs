namespace ModelPipeline.Importing;

/// <summary>
/// Where an imported version came from: recorded in its training record, its zoo version record
/// (<c>importedFrom</c>), its provenance (a resolved dependency) and its SBOM.
/// </summary>
public sealed record ImportLineage
{
    /// <summary><c>file</c>, <c>folder</c>, <c>http</c>, <c>s3</c>, <c>oci</c> or <c>oci-layout</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The source as given (a path inside the project relative to it; URLs without credentials).</summary>
    public required string Uri { get; init; }

    /// <summary>The sha256 of the single file imported, or of the folder (sorted "path sha256" lines).</summary>
    public required string Sha256 { get; init; }

    /// <summary>For an image source: the manifest digest it was read by.</summary>
    public string? ImageDigest { get; init; }

    /// <summary>Whether the files are a Hugging Face-style folder (config.json beside weights files).</summary>
    public bool HuggingFace { get; init; }

    public DateTimeOffset ImportedAt { get; init; }
}

/// <summary>What <c>modelpipe import</c> was asked to do.</summary>
public sealed record ImportRequest
{
    public required string From { get; init; }
    public string? Sha256 { get; init; }

    /// <summary>A metrics.json written elsewhere; becomes the imported model's metrics.json.</summary>
    public string? MetricsFile { get; init; }
}
