namespace ModelPipeline.Forges;

/// <summary>
/// Where a promotion is proposed for review: a GitHub pull request, a GitLab merge request, or
/// (the <c>local</c> forge) a branch in the GitOps repository with a request-pull summary.
/// </summary>
public interface IForge
{
    /// <summary>github, gitlab or local.</summary>
    string Kind { get; }

    /// <summary>
    /// Opens a pull request from an already pushed branch, or updates the open one for the same branch
    /// (title and body) when it exists; a request that matches the open one changes nothing.
    /// </summary>
    Task<PullRequestResult> OpenOrUpdateAsync(PullRequestSpec spec, CancellationToken ct);
}

/// <summary>What to propose: a head branch onto a base branch, with title, body, labels and reviewers.</summary>
public sealed record PullRequestSpec
{
    public required string Model { get; init; }
    public required string Head { get; init; }
    public required string Base { get; init; }
    public required string Title { get; init; }
    public required string Body { get; init; }
    public IReadOnlyList<string> Labels { get; init; } = [];
    public IReadOnlyList<string> Reviewers { get; init; } = [];

    /// <summary>The run-state folder of this promotion (the local forge writes its files there).</summary>
    public required string StateDir { get; init; }

    /// <summary>A <c>git request-pull</c> summary of the pushed branch (used by the local forge).</summary>
    public string? RequestPull { get; init; }
}

public enum PullRequestAction { Created, Updated, Unchanged }

/// <summary>The pull request that now exists for the branch.</summary>
public sealed record PullRequestResult
{
    public required PullRequestAction Action { get; init; }

    /// <summary>The web URL of the PR/MR, or the path of the local forge's summary.</summary>
    public required string Url { get; init; }

    /// <summary>The PR number or MR iid; null for the local forge.</summary>
    public int? Number { get; init; }
}
