namespace ModelPipeline.Training;

/// <summary>The result of a training run, stored as <c>runs/&lt;key&gt;/train.json</c>.</summary>
public sealed record TrainingRecord
{
    public required string Model { get; init; }
    public required string TrainingKey { get; init; }
    public required string Backend { get; init; }
    public required string RunId { get; init; }

    /// <summary>Where the run can be looked at (Kubeflow Pipelines UI, RunPod job status); null for local runs.</summary>
    public string? RunUrl { get; init; }
    public required string OutputDir { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public double DurationSeconds { get; init; }
    public IReadOnlyList<string> Files { get; init; } = [];
}

/// <summary>Everything a backend needs to run one training.</summary>
public sealed record TrainingRequest
{
    public required Models.ModelDefinition Model { get; init; }
    public required string TrainingKey { get; init; }
    public required string DataDir { get; init; }
    public required string OutputDir { get; init; }
    public required IReadOnlyDictionary<string, string> DataPaths { get; init; }
}

/// <summary>A place a model can be trained: this machine, Kubeflow Pipelines, RunPod.</summary>
public interface ITrainingBackend
{
    string Name { get; }

    /// <summary>Runs training and leaves the trained files in <see cref="TrainingRequest.OutputDir"/>; returns the run id.</summary>
    Task<string> TrainAsync(TrainingRequest request, CancellationToken ct);
}
