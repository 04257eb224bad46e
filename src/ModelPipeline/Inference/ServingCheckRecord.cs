namespace ModelPipeline.Inference;

/// <summary>
/// The serving check's verdict for one training key, stored as <c>runs/&lt;key&gt;/serve-check.json</c>
/// and published in the version's <c>validation.json</c> (<c>serving</c>). Status: <c>passed</c>,
/// <c>failed</c>, <c>off</c> (model.json turned it off, with <see cref="Reason"/>) or
/// <c>not-applicable</c> (no ONNX model to serve).
/// </summary>
public sealed record ServingCheckRecord
{
    public const string PassedStatus = "passed", FailedStatus = "failed", OffStatus = "off", NotApplicableStatus = "not-applicable";

    public required string Model { get; init; }
    public required string TrainingKey { get; init; }
    public required string Status { get; init; }

    /// <summary>Whether the check lets the version on to its test pin (everything but <c>failed</c>).</summary>
    [System.Text.Json.Serialization.JsonIgnore] public bool Passed => Status != FailedStatus;

    /// <summary>The image that was served (the digest about to be pinned).</summary>
    public string? Digest { get; init; }

    /// <summary>Test vectors sent, and the HTTP inference requests that carried them (one per vector when the batch dimension is free).</summary>
    public int Vectors { get; init; }
    public int Requests { get; init; }

    /// <summary>Latency of the inference requests, in milliseconds (nearest rank).</summary>
    public double? P50Ms { get; init; }
    public double? P95Ms { get; init; }

    /// <summary>The largest difference between a served output and its expected value, and the tolerance it was held to.</summary>
    public double? LargestDifference { get; init; }
    public double? Tolerance { get; init; }

    public required string Detail { get; init; }

    /// <summary>Why the check is off (from <c>serving.check.reason</c>).</summary>
    public string? Reason { get; init; }

    public DateTimeOffset CheckedAt { get; init; }

    /// <summary>For a version the zoo already holds: where the verdict came from (its recorded one, or its image checked now).</summary>
    public string? From { get; init; }
}
