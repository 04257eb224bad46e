using System.Text.Json.Nodes;

namespace ModelPipeline.Ci;

/// <summary>What the CI generators work from: the target graph and, per CI, its settings file and secret names.</summary>
public sealed record CiContext
{
    public const string GitHubSettings = "pipelines/github/pipeline.github.json";
    public const string GitLabSettings = "pipelines/gitlab/pipeline.gitlab.json";
    public const string DefaultSettings = "pipeline.json";

    /// <summary>
    /// The build a job hands on (built once per commit by the test job): modelpipe's build output for Linux x64
    /// with Compile's stamp, so a later job's Compile finds the stamp current and builds nothing.
    /// </summary>
    public static readonly string[] BuildPaths =
    [
        "src/ModelPipeline.Cli/bin/Release/compile.stamp",
        "src/ModelPipeline.Cli/bin/Release/net10.0/*.*",
        "src/ModelPipeline.Cli/bin/Release/net10.0/modelpipe",
        "src/ModelPipeline.Cli/bin/Release/net10.0/runtimes/linux-x64/",
    ];

    public const string BuildDir = "src/ModelPipeline.Cli/bin/Release/";

    public const string ReportDir = "artifacts/report/";
    public const string TestResults = "artifacts/test-results/";
    public const string Modelpipe = "src/ModelPipeline.Cli/bin/Release/net10.0/modelpipe.dll";

    public required TargetGraph Graph { get; init; }
    public required IReadOnlyList<string> GitHubSecrets { get; init; }
    public required IReadOnlyList<string> GitLabSecrets { get; init; }
    public required IReadOnlyList<string> TektonSecrets { get; init; }
    /// <summary>The models repository (modelcar.sourceUrl of the CI settings), which the GitOps repository's job checks out.</summary>
    public required string GitHubModelsRepository { get; init; }
    public required string GitLabModelsUrl { get; init; }

    public static CiContext Load(string root, TargetGraph graph)
    {
        var schema = Path.Combine(root, "pipeline.schema.json");
        string Settings(string file) => Path.Combine(root, file);
        return new CiContext
        {
            Graph = graph,
            GitHubSecrets = SecretNames.From(Settings(GitHubSettings), schema),
            GitLabSecrets = SecretNames.From(Settings(GitLabSettings), schema),
            // Tekton runs with whichever settings file the PipelineRun names: every name any of them uses (optional keys).
            TektonSecrets = new[] { DefaultSettings, GitHubSettings, GitLabSettings }.SelectMany(f => SecretNames.From(Settings(f), schema)).Distinct().Order(StringComparer.Ordinal).ToList(),
            GitHubModelsRepository = SourceUrl(Settings(GitHubSettings)) is { } gh && Uri.TryCreate(gh, UriKind.Absolute, out var uri) ? uri.AbsolutePath.Trim('/').Replace(".git", "", StringComparison.Ordinal) : "example-org/models",
            GitLabModelsUrl = SourceUrl(Settings(GitLabSettings)) is { Length: > 0 } gl ? (gl.EndsWith(".git", StringComparison.Ordinal) ? gl : gl + ".git") : "https://gitlab.com/example-org/models.git",
        };
    }

    private static string? SourceUrl(string settings) =>
        JsonNode.Parse(File.ReadAllText(settings))?["modelcar"]?["sourceUrl"]?.GetValue<string>();

    /// <summary>A CI job name for a target: lower-case (GitHub job ids, GitLab job names, Tekton task names).</summary>
    public static string JobName(string target) => target.ToLowerInvariant();
}
