namespace ModelPipeline.Validation;

/// <summary>The validation gate's verdict, stored as <c>runs/&lt;key&gt;/validate.json</c>.</summary>
public sealed record ValidationReport
{
    public required string Model { get; init; }
    public required string TrainingKey { get; init; }
    public required bool Passed { get; init; }
    public required IReadOnlyList<CheckResult> Checks { get; init; }

    /// <summary>Every trained file with its size and sha256.</summary>
    public required IReadOnlyList<FileEntry> Manifest { get; init; }

    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
    public DateTimeOffset ValidatedAt { get; init; }

    /// <summary>
    /// The digests of the ModelCar layers of the files that get a layer of their own, read in the same pass as their
    /// sha256 (null when Validate ran without pipeline settings, or the layers are compressed).
    /// </summary>
    public ValidatedLayers? Layers { get; init; }

    /// <summary>For a published version: where the verdict came from (its recorded report, or its files re-checked).</summary>
    public string? From { get; init; }
}

public sealed record CheckResult(string Name, bool Passed, string Detail);

public sealed record FileEntry(string Path, long Size, string Sha256);

/// <summary>
/// Each large file's own ModelCar layer (an uncompressed tar of that file alone under <c>/models</c>, every entry dated
/// <see cref="Created"/>) by the file's path: its digest, so PackageModelCar can send the file unhashed and let the
/// registry check the bytes against it (<c>PUT ?digest=</c>), instead of hashing the file again.
/// </summary>
public sealed record ValidatedLayers(DateTimeOffset Created, IReadOnlyDictionary<string, string> Digests);
