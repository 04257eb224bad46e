using YamlDotNet.Serialization;

namespace ModelPipeline.GitOps;

/// <summary>
/// One environment's <c>config.yaml</c> in the GitOps repository (<c>test/&lt;name&gt;/config.yaml</c>,
/// <c>prod/&lt;name&gt;/config.yaml</c>). Argo CD's ApplicationSets read its keys as template
/// parameters and the chart reads it as Helm values. The key order is fixed by <see cref="YamlMemberAttribute.Order"/>.
/// </summary>
public sealed record EnvironmentConfig
{
    [YamlMember(Alias = "name", Order = 0)] public string Name { get; init; } = "";
    [YamlMember(Alias = "environment", Order = 1)] public string Environment { get; init; } = "";
    [YamlMember(Alias = "model_version", Order = 2)] public int ModelVersion { get; init; }
    [YamlMember(Alias = "image_repository", Order = 3)] public string ImageRepository { get; init; } = "";
    [YamlMember(Alias = "image_digest", Order = 4)] public string ImageDigest { get; init; } = "";

    /// <summary>The KServe ModelCar URI, <c>oci://repository@sha256:…</c>.</summary>
    [YamlMember(Alias = "storage_uri", Order = 5)] public string StorageUri { get; init; } = "";
    [YamlMember(Alias = "runtime", Order = 6)] public string Runtime { get; init; } = "";
    [YamlMember(Alias = "chart_path", Order = 7)] public string ChartPath { get; init; } = "";
    [YamlMember(Alias = "training_key", Order = 8)] public string TrainingKey { get; init; } = "";

    /// <summary>The model's <c>serving.values</c>, keys sorted.</summary>
    [YamlMember(Alias = "serving", Order = 9)]
    public IDictionary<string, object?> Serving { get; init; } = new SortedDictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>The same deployment for another environment (what a promotion writes).</summary>
    public EnvironmentConfig ForEnvironment(string environment) => this with { Environment = environment };

    public static string PathFor(string environment, string model) => $"{environment}/{model}/config.yaml";
}
