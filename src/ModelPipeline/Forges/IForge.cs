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

    /// <summary>
    /// Closes the open promotion pull requests of the same model for older versions (head branches
    /// <c>promote/&lt;name&gt;-v&lt;M&gt;</c>, M below the new version) with a comment that links the new
    /// one, and deletes their branches. Returns what it closed.
    /// </summary>
    Task<IReadOnlyList<SupersededPullRequest>> CloseSupersededAsync(SupersedeSpec spec, CancellationToken ct);
}

/// <summary>The pull request just proposed for a model, which supersedes that model's older ones.</summary>
public sealed record SupersedeSpec
{
    public required string Model { get; init; }
    public required string Base { get; init; }

    /// <summary>The version now proposed; open promotions of lower versions are closed.</summary>
    public required int Version { get; init; }
    public required string Head { get; init; }
    public required string Title { get; init; }
    public required PullRequestResult NewPullRequest { get; init; }

    /// <summary>The promotion branches on the GitOps remote not merged into its branch (the local forge closes the older ones).</summary>
    public IReadOnlyList<string> OlderBranches { get; init; } = [];

    /// <summary>The run-state folder holding <c>v&lt;N&gt;/</c> per promotion (the local forge's pull requests).</summary>
    public required string PromotionsDir { get; init; }

    /// <summary>The head branch of version <paramref name="version"/>: <c>promote/&lt;model&gt;-v&lt;version&gt;</c>.</summary>
    public static string BranchFor(string model, int version) => $"promote/{model}-v{version}";

    /// <summary>The version of a promotion branch of <paramref name="model"/>, or null for any other branch.</summary>
    public static int? VersionOf(string model, string branch)
    {
        var prefix = $"promote/{model}-v";
        return branch.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(branch.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0
            ? v : null;
    }

    /// <summary>Whether <paramref name="branch"/> is a promotion branch of this model for an older version.</summary>
    public bool Supersedes(string branch) => VersionOf(Model, branch) is { } v && v < Version;

    /// <summary>The comment left on a closed pull request.</summary>
    public string Comment(string kind) =>
        $"Superseded by {Reference(kind, NewPullRequest.Number)} ({NewPullRequest.Url}): {Title}.\n\nClosed by modelpipe; the branch of this older promotion is deleted. Review the newer one instead.";

    private static string Reference(string kind, int? number) => number is null ? "the newer promotion" : kind == "gitlab" ? $"!{number}" : $"#{number}";
}

/// <summary>An older promotion that was closed because a newer version was proposed.</summary>
public sealed record SupersededPullRequest
{
    public required string Branch { get; init; }
    public required int Version { get; init; }

    /// <summary>The web URL (or the local forge's file) of the closed pull request.</summary>
    public required string Url { get; init; }
    public int? Number { get; init; }

    /// <summary>Whether the branch was deleted (false when it was already gone).</summary>
    public bool BranchDeleted { get; init; }
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
