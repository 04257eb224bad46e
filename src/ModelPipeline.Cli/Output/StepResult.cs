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

    /// <summary>When the row was finished: set when the result is made, at the end of its step (the run journal's timeline).</summary>
    public DateTimeOffset FinishedAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Step-specific data for --json (digests, keys, paths).</summary>
    public object? Data { get; init; }
}
