using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelPipeline.Models;

/// <summary>A model as declared in <c>models/&lt;name&gt;/model.json</c>.</summary>
public sealed record ModelDefinition
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required IReadOnlyList<string> Owners { get; init; }
    public required IReadOnlyList<DataSource> Data { get; init; }
    public required TrainingSpec Training { get; init; }
    public required ArtifactSpec Artifacts { get; init; }
    public required ValidationSpec Validation { get; init; }
    public required ServingSpec Serving { get; init; }

    /// <summary>The folder that holds model.json (absolute).</summary>
    [JsonIgnore] public string Directory { get; init; } = "";

    /// <summary>The path of model.json (absolute).</summary>
    [JsonIgnore] public string DefinitionPath => Path.Combine(Directory, "model.json");
}

/// <summary>One input data set: exactly one of <see cref="File"/>, <see cref="Url"/> or <see cref="Git"/>.</summary>
public sealed record DataSource
{
    public required string Name { get; init; }
    public string? File { get; init; }
    public string? Url { get; init; }
    public string? Sha256 { get; init; }
    public string? Git { get; init; }
    public string? Commit { get; init; }
    public string? Path { get; init; }

    [JsonIgnore]
    public DataSourceKind Kind => File is not null ? DataSourceKind.File : Url is not null ? DataSourceKind.Url : DataSourceKind.Git;
}

public enum DataSourceKind { File, Url, Git }

public sealed record TrainingSpec
{
    public required string Backend { get; init; }
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Environment variables passed from the pipeline's environment to the trainer (names only; null when absent, so older training keys stay the same).</summary>
    public IReadOnlyList<string>? Env { get; init; }
    public int TimeoutSeconds { get; init; } = 3600;
    public IReadOnlyDictionary<string, JsonElement> Hyperparameters { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>Files (relative to the model folder) whose content determines the trained model.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>Backend-specific settings (e.g. Kubeflow pipeline id, RunPod endpoint).</summary>
    public IReadOnlyDictionary<string, JsonElement> Options { get; init; } = new Dictionary<string, JsonElement>();
}

public sealed record ArtifactSpec
{
    public required string Format { get; init; }
    public required IReadOnlyList<string> Files { get; init; }
    public long MaxTotalBytes { get; init; } = 10L * 1024 * 1024 * 1024;
}

public sealed record ValidationSpec
{
    /// <summary>The ONNX file that ONNX Runtime loads, relative to the training output.</summary>
    public string? OnnxModel { get; init; }

    /// <summary>Test vectors (relative to the training output): inputs and expected outputs.</summary>
    public string? TestVectors { get; init; }

    public double Tolerance { get; init; } = 1e-4;

    /// <summary>Metric name to bound; metrics come from the training output's metrics.json.</summary>
    public IReadOnlyDictionary<string, MetricGate> Metrics { get; init; } = new Dictionary<string, MetricGate>();

    public long? MaxFileBytes { get; init; }
}

public sealed record MetricGate
{
    public double? Min { get; init; }
    public double? Max { get; init; }
}

public sealed record ServingSpec
{
    public required string Runtime { get; init; }
    public string? ChartPath { get; init; }
    public IReadOnlyDictionary<string, JsonElement> Values { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>The serving check (ServeCheck) setting; null: on for an ONNX model (<c>validation.onnxModel</c>).</summary>
    public ServingCheckSpec? Check { get; init; }
}

/// <summary><c>serving.check</c>: <c>{"enabled": false, "reason": "..."}</c> turns the serving check off, with a reason.</summary>
public sealed record ServingCheckSpec
{
    public required bool Enabled { get; init; }

    /// <summary>Why the check is off (required then); shown in the published record and the report.</summary>
    public string? Reason { get; init; }
}
