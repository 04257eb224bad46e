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

    /// <summary>For a published version: where the verdict came from (its recorded report, or its files re-checked).</summary>
    public string? From { get; init; }
}

public sealed record CheckResult(string Name, bool Passed, string Detail);

public sealed record FileEntry(string Path, long Size, string Sha256);
