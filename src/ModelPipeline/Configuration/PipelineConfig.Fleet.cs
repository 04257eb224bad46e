namespace ModelPipeline.Configuration;

public sealed partial record PipelineConfig
{
    /// <summary>The <c>fleet</c> section: where serving hosts report what they serve (read by the report); null: not read.</summary>
    public FleetSettings? Fleet { get; init; }
}

public sealed record FleetSettings
{
    /// <summary>A git URL, or a path relative to the repository root.</summary>
    public required string Url { get; init; }

    public string? TokenEnv { get; init; }
    public string Branch { get; init; } = "main";

    /// <summary>A host whose last pass is older than this many of its scheduled times is stale.</summary>
    public int StaleAfterSchedules { get; init; } = 3;
}
