namespace ModelPipeline.Configuration;

public sealed partial record PipelineConfig
{
    /// <summary>The <c>environments</c> section: settings of the GitOps environments (today: prod's own
    /// registry).</summary>
    public EnvironmentsSettings Environments { get; init; } = new();
}

public sealed record EnvironmentsSettings
{
    public EnvironmentSettings Prod { get; init; } = new();
}

public sealed record EnvironmentSettings
{
    /// <summary>
    /// The registry the environment pulls from, <c>host[:port]</c> or <c>host[:port]/path</c>; null: the one the
    /// image was published to. Promote copies the image and its attachments there by digest.
    /// </summary>
    public string? Registry { get; init; }
}
