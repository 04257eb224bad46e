using ModelPipeline.Training.Kfp;

namespace ModelPipeline.Configuration;

public sealed partial record PipelineConfig
{
    /// <summary><c>import</c>: where <c>modelpipe import --from s3://…</c> reads (docs/import.md).</summary>
    public ImportSettings Import { get; init; } = new();
}

public sealed record ImportSettings
{
    /// <summary>The S3-compatible store (S3, MinIO) of <c>s3://bucket/key</c> sources; keys only from the environment.</summary>
    public ArtifactStoreOptions? S3 { get; init; }

    public IEnumerable<string> SecretEnvironmentVariables() =>
        new[] { S3?.AccessKeyEnv, S3?.SecretKeyEnv }.Where(n => !string.IsNullOrEmpty(n)).Select(n => n!);
}
