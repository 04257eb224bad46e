namespace ModelPipeline.Configuration;

/// <summary>
/// Project-wide settings from <c>pipeline.json</c> (schema: <c>pipeline.schema.json</c>).
/// Each capability adds its own section in a partial file beside this one.
/// </summary>
public sealed partial record PipelineConfig
{
    public WorkspaceSettings Workspace { get; init; } = new();
    public FetchSettings Fetch { get; init; } = new();

    /// <summary>The repository root the relative paths in this file are resolved against.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public string RepoRoot { get; init; } = "";

    public string ArtifactsDir => Path.GetFullPath(Path.Combine(RepoRoot, Workspace.ArtifactsDir));
    public string CacheDir => Path.GetFullPath(Path.Combine(RepoRoot, Workspace.CacheDir));
}

public sealed record WorkspaceSettings
{
    public string ArtifactsDir { get; init; } = "artifacts";
    public string CacheDir { get; init; } = ".pipeline/cache";
}

public sealed record FetchSettings
{
    public int TimeoutSeconds { get; init; } = 600;
    public int Retries { get; init; } = 3;
}
