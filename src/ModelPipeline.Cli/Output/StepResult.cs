namespace ModelPipeline.Cli.Output;

/// <summary>One row of the summary: what a step did for one model.</summary>
public sealed record StepResult
{
    public required string Model { get; init; }
    public required string Step { get; init; }

    /// <summary>ok, skipped, warning or failed.</summary>
    public required string Result { get; init; }

    public double DurationSeconds { get; init; }
    public string Detail { get; init; } = "";

    /// <summary>Step-specific data for --json (digests, keys, paths).</summary>
    public object? Data { get; init; }
}
