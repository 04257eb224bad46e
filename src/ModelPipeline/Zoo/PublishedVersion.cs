using ModelPipeline.Models;
using ModelPipeline.Validation;

namespace ModelPipeline.Zoo;

/// <summary>
/// <c>models/&lt;name&gt;/vN/validation.json</c>: the gates a version was validated with and the gate's
/// report. Promote and a reusing Validate take the verdict from it; older versions have none.
/// </summary>
public sealed record ZooValidation
{
    /// <summary>The model's <c>validation</c> section the report was made with.</summary>
    public required ValidationSpec Gates { get; init; }

    public required ValidationReport Report { get; init; }

    /// <summary>The serving check's verdict (ServeCheck); absent in versions published before it existed.</summary>
    public Inference.ServingCheckRecord? Serving { get; init; }

    /// <summary>Whether <paramref name="current"/> gates are the recorded ones (compared as canonical JSON).</summary>
    public bool SameGates(ValidationSpec current) => ZooLayout.ToJson(Gates) == ZooLayout.ToJson(current);
}

/// <summary>
/// A training key the zoo already holds: its version, the version's manifest (image digest, files)
/// and its validation record. Train stores it as <c>runs/&lt;key&gt;/published.json</c>; the later
/// steps of that key then work from it instead of training, packaging or publishing again.
/// </summary>
public sealed record PublishedVersion
{
    public required string Model { get; init; }
    public required int Version { get; init; }
    public required VersionManifest Manifest { get; init; }
    public ZooValidation? Validation { get; init; }

    /// <summary>The primary's commit that was read.</summary>
    public string? ZooCommit { get; init; }

    /// <summary>The version's lifecycle state when it was read (deprecated, yanked, archived); null while active.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Lifecycle.VersionStatus? Status { get; init; }

    /// <summary>The version as <c>NAME@REF</c> resolves it, for pulling its files.</summary>
    public ResolvedVersion Resolved() => new()
    {
        Model = Model,
        Reference = $"v{Version}",
        Commit = ZooCommit,
        Manifest = Manifest,
        Status = Status,
        Version = new IndexedVersion
        {
            Version = Version,
            Status = "current",
            TrainingKey = Manifest.TrainingKey,
            Digest = Manifest.Image.Digest,
            Reference = Manifest.Image.Reference,
            StorageUri = Manifest.Image.StorageUri,
        },
    };
}
