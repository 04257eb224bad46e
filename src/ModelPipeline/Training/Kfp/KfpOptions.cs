using System.Text.Json;
using System.Text.RegularExpressions;
using ModelPipeline.Training.Remote;

namespace ModelPipeline.Training.Kfp;

/// <summary>Settings of the Kubeflow Pipelines backend (<c>training.options</c> / pipeline.json <c>training.kfp</c>).</summary>
public sealed partial record KfpOptions
{
    /// <summary>The KFP API host, e.g. https://kfp.example.com/pipeline (the client adds /apis/v2beta1).</summary>
    public string? Endpoint { get; init; }

    /// <summary>The UI the run link points at (default: <see cref="Endpoint"/>); link = {uiUrl}/#/runs/details/{runId}.</summary>
    public string? UiUrl { get; init; }

    public string? TokenEnv { get; init; }
    public string? PipelineId { get; init; }
    public string? PipelineVersionId { get; init; }
    public string? PipelineName { get; init; }
    public string? PipelineVersion { get; init; }
    public string? ExperimentId { get; init; }

    /// <summary>Fixed pipeline parameters, beside the hyperparameters and data references.</summary>
    public IReadOnlyDictionary<string, JsonElement> Parameters { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>The output artifact (of any task) that holds the trained files.</summary>
    public string OutputArtifact { get; init; } = "model";

    /// <summary>Where the pipeline writes the trained files, e.g. s3://bucket/{model}/{trainingKey}/; wins over the artifact.</summary>
    public string? OutputUri { get; init; }

    public ArtifactStoreOptions? ArtifactStore { get; init; }
    public double PollSeconds { get; init; } = 5;
    public double MaxPollSeconds { get; init; } = 60;
    public int Retries { get; init; } = 5;

    public string Link(string runId) => $"{(UiUrl ?? Endpoint)!.TrimEnd('/')}/#/runs/details/{Uri.EscapeDataString(runId)}";

    public string? OutputUriFor(string model, string key) =>
        OutputUri?.Replace("{model}", model, StringComparison.Ordinal).Replace("{trainingKey}", key, StringComparison.Ordinal).Replace("{key12}", key[..12], StringComparison.Ordinal);

    public static void Check(KfpOptions o, Action<string, string> problem)
    {
        RemoteOptions.CheckUrl(o.Endpoint, "endpoint", problem);
        RemoteOptions.CheckUrl(o.UiUrl, "uiUrl", problem, required: false);
        if (string.IsNullOrEmpty(o.PipelineId) == string.IsNullOrEmpty(o.PipelineName))
            problem("pipelineId", "give exactly one of \"pipelineId\" or \"pipelineName\". Fix: set the id of the uploaded pipeline, or its name.");
        if (o.PipelineVersionId is not null && o.PipelineId is null)
            problem("pipelineVersionId", "only goes with \"pipelineId\". Fix: with \"pipelineName\" use \"pipelineVersion\" (the version's name).");
        if (o.PipelineVersion is not null && o.PipelineName is null)
            problem("pipelineVersion", "only goes with \"pipelineName\". Fix: with \"pipelineId\" use \"pipelineVersionId\".");
        if (o.PollSeconds <= 0 || o.MaxPollSeconds < o.PollSeconds)
            problem("pollSeconds", "needs 0 < pollSeconds <= maxPollSeconds.");
        if (o.Retries is < 0 or > 20) problem("retries", "must be between 0 and 20.");
        if (string.IsNullOrWhiteSpace(o.OutputArtifact)) problem("outputArtifact", "must not be empty.");
        if (o.OutputUri is not null)
        {
            var unknown = Placeholder().Matches(o.OutputUri).Select(m => m.Value).Where(p => p is not ("{model}" or "{trainingKey}" or "{key12}")).ToList();
            if (unknown.Count > 0) problem("outputUri", $"unknown placeholder {string.Join(", ", unknown)}. Fix: use {{model}}, {{trainingKey}} or {{key12}}.");
            var sample = o.OutputUriFor("m", new string('0', 64))!;
            if (!Uri.TryCreate(sample, UriKind.Absolute, out var uri) || uri.Scheme is not ("s3" or "minio" or "http" or "https"))
                problem("outputUri", $"'{o.OutputUri}' is not an s3://, minio:// or http(s) URI. Fix: e.g. s3://bucket/{{model}}/{{trainingKey}}/.");
            else if (uri.Scheme is "s3" or "minio" && o.ArtifactStore is null)
                problem("artifactStore", "an s3:// output needs the S3 endpoint. Fix: set \"artifactStore\": { \"endpoint\": \"https://minio.example.com\", \"accessKeyEnv\": \"...\", \"secretKeyEnv\": \"...\" }.");
        }
        o.ArtifactStore?.Check(problem);
    }

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Placeholder();
}

/// <summary>The S3-compatible store (MinIO, S3) the pipeline writes artifacts to.</summary>
public sealed record ArtifactStoreOptions
{
    public string? Endpoint { get; init; }
    public string? AccessKeyEnv { get; init; }
    public string? SecretKeyEnv { get; init; }
    public string Region { get; init; } = "us-east-1";

    public void Check(Action<string, string> problem)
    {
        RemoteOptions.CheckUrl(Endpoint, "artifactStore.endpoint", problem);
        if (string.IsNullOrEmpty(AccessKeyEnv) || string.IsNullOrEmpty(SecretKeyEnv))
            problem("artifactStore", "needs \"accessKeyEnv\" and \"secretKeyEnv\" (names of environment variables). Fix: add them.");
    }
}
