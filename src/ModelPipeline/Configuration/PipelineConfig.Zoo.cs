namespace ModelPipeline.Configuration;

public sealed partial record PipelineConfig
{
    public ZooSettings Zoo { get; init; } = new();
}

/// <summary>
/// The model zoo (<c>zoo</c> in pipeline.json): the primary git remote that is the team's registry,
/// its mirrors, and how this workspace talks to them. Tokens are named by environment variable only.
/// </summary>
public sealed record ZooSettings
{
    /// <summary>The primary remote: a git URL (https://, ssh://, file://) or a path relative to the repo root.</summary>
    public string Url { get; init; } = ".pipeline/zoo.git";

    /// <summary>The environment variable that holds the primary's HTTP token (optional).</summary>
    public string? TokenEnv { get; init; }

    public IReadOnlyList<ZooMirror> Mirrors { get; init; } = [new ZooMirror { Name = "local-mirror", Url = ".pipeline/zoo-mirror.git" }];

    public string Branch { get; init; } = "main";

    /// <summary>Where cached clones of zoo remotes live (one per URL), relative to the repo root.</summary>
    public string CloneDir { get; init; } = ".pipeline/zoo-clones";

    /// <summary>Commit author; default from CI variables (GITLAB_USER_*, GITHUB_ACTOR), then "ModelPipeline".</summary>
    public string? AuthorName { get; init; }

    public string? AuthorEmail { get; init; }

    /// <summary>Trained files up to this size are also stored inline in the zoo (0 = never).</summary>
    public long InlineMaxBytes { get; init; } = 256 * 1024;

    /// <summary>How many times a push rejected as non-fast-forward is re-based and retried.</summary>
    public int PushAttempts { get; init; } = 8;
}

public sealed record ZooMirror
{
    public required string Name { get; init; }
    public required string Url { get; init; }
    public string? TokenEnv { get; init; }
}
