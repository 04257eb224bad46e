using System.Text.Json;

namespace ModelPipeline.Configuration;

public sealed partial record PipelineConfig
{
    /// <summary>
    /// Defaults for the remote training backends (<c>training.kfp</c>, <c>training.runpod</c>):
    /// endpoints and the names of the environment variables that hold their tokens. A model's
    /// <c>training.options</c> override them key by key.
    /// </summary>
    public TrainingSettings Training { get; init; } = new();
}

public sealed record TrainingSettings
{
    public IReadOnlyDictionary<string, JsonElement> Kfp { get; init; } = new Dictionary<string, JsonElement>();
    public IReadOnlyDictionary<string, JsonElement> Runpod { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>Every environment variable these defaults name as holding a secret (tokens, S3 keys).</summary>
    public IEnumerable<string> SecretEnvironmentVariables() =>
        ModelPipeline.Training.Remote.RemoteOptions.SecretNames(Kfp).Concat(ModelPipeline.Training.Remote.RemoteOptions.SecretNames(Runpod));
}
