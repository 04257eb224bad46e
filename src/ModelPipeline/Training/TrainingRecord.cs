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

    /// <summary>The trained files' folder relative to the project root (never a job folder's absolute path).</summary>
    public required string OutputDir { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public double DurationSeconds { get; init; }
    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>The zoo version reused for this key instead of training (null: trained in this workspace).</summary>
    public int? ReusedVersion { get; init; }

    /// <summary>With <c>--retrain</c> of a published key: how the new files compare with the published ones.</summary>
    public ReproducibilityReport? Reproducibility { get; init; }

    /// <summary>For a model trained elsewhere (<c>modelpipe import</c>): where its files came from.</summary>
    public Importing.ImportLineage? ImportedFrom { get; init; }
}

/// <summary><c>train --retrain</c> of a published key: the new files compared with the version's manifest.</summary>
public sealed record ReproducibilityReport
{
    public required int Version { get; init; }
    public required bool Reproducible { get; init; }

    /// <summary>One line per file that differs (changed, missing from the new run, or new).</summary>
    public required IReadOnlyList<string> Differences { get; init; }

    /// <summary>Where the retrained files are kept for inspection (never published), relative to the project root.</summary>
    public required string RetrainedDir { get; init; }
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
