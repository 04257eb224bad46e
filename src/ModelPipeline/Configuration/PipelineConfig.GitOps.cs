namespace ModelPipeline.Configuration;

public sealed partial record PipelineConfig
{
    /// <summary>The GitOps repository that Argo CD watches (<c>test/&lt;name&gt;/config.yaml</c>, <c>prod/&lt;name&gt;/config.yaml</c>).</summary>
    public GitOpsSettings GitOps { get; init; } = new();

    /// <summary>Where promotion pull requests are opened: github, gitlab or local.</summary>
    public ForgeSettings Forge { get; init; } = new();
}

public sealed record GitOpsSettings
{
    /// <summary>
    /// A git URL (https://, http://, file://, ssh) or a path relative to the repository root.
    /// A missing local path under <c>.pipeline/</c> is created as a bare repository on first use.
    /// </summary>
    public string Repository { get; init; } = ".pipeline/gitops.git";

    /// <summary>The branch Argo CD follows; promotion PRs target it.</summary>
    public string Branch { get; init; } = "main";

    /// <summary>The environment variable holding an HTTP token for the repository (never the token itself).</summary>
    public string? TokenEnv { get; init; }

    /// <summary>The user name sent with the token (GitHub: x-access-token, GitLab: oauth2).</summary>
    public string Username { get; init; } = "x-access-token";

    /// <summary>Commit author; default from CI variables (GITLAB_USER_*, GITHUB_ACTOR), then "ModelPipeline".</summary>
    public string? AuthorName { get; init; }

    public string? AuthorEmail { get; init; }

    /// <summary>How often a push rejected as non-fast-forward is rebuilt on the new tip and retried.</summary>
    public int PushRetries { get; init; } = 3;
}

public sealed record ForgeSettings
{
    /// <summary>github | gitlab | local.</summary>
    public string Kind { get; init; } = "local";

    /// <summary>API base: https://api.github.com/ (or a GitHub Enterprise host), https://gitlab.com/ (or a GitLab host).</summary>
    public string? ApiUrl { get; init; }

    /// <summary>GitHub "owner/name" or GitLab project path "group/project" of the GitOps repository.</summary>
    public string? Repository { get; init; }

    /// <summary>The environment variable holding the API token.</summary>
    public string? TokenEnv { get; init; }

    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>GitHub logins or GitLab usernames asked to review.</summary>
    public IReadOnlyList<string> Reviewers { get; init; } = [];

    /// <summary>The longest a rate limit is waited out (in total) before the step fails.</summary>
    public int RateLimitMaxWaitSeconds { get; init; } = 120;

    /// <summary>The shortest wait before a rate-limited request is retried (a Retry-After of 0 or a past reset still waits this).</summary>
    public double RateLimitMinWaitSeconds { get; init; } = 1;

    /// <summary>How long one forge API request may take.</summary>
    public int TimeoutSeconds { get; init; } = 100;
}
