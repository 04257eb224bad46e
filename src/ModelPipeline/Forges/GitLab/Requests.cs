using System.Text.Json.Serialization;

namespace ModelPipeline.Forges.GitLab;

/// <summary>The body of <c>POST /projects/:id/merge_requests</c>.</summary>
public sealed record NewMergeRequest(string SourceBranch, string TargetBranch, string Title)
{
    public string? Description { get; init; }

    /// <summary>Sent as GitLab's comma-separated <c>labels</c> string.</summary>
    [JsonIgnore] public IReadOnlyList<string> Labels { get; init; } = [];

    [JsonPropertyName("labels")] public string? LabelList => Labels.Count == 0 ? null : string.Join(',', Labels);

    public IReadOnlyList<int>? ReviewerIds { get; init; }

    public bool RemoveSourceBranch { get; init; } = true;
}

/// <summary>
/// The body of <c>PUT /projects/:id/merge_requests/:iid</c>
/// (https://docs.gitlab.com/ee/api/merge_requests.html#update-mr); null fields are left as they are.
/// </summary>
public sealed record MergeRequestUpdate
{
    public string? Title { get; init; }
    public string? Description { get; init; }

    /// <summary><c>close</c> or <c>reopen</c>.</summary>
    public string? StateEvent { get; init; }

    /// <summary>Comma-separated labels to add (the others stay).</summary>
    public string? AddLabels { get; init; }

    /// <summary>The full list of reviewers (GitLab replaces it).</summary>
    public IReadOnlyList<int>? ReviewerIds { get; init; }
}

/// <summary>The body of <c>POST /projects/:id/merge_requests/:iid/notes</c> (a comment).</summary>
public sealed record NewNote(string Body);

/// <summary>The query of <c>GET /projects/:id/merge_requests</c>.</summary>
public sealed record MergeRequestFilter
{
    /// <summary>opened, closed, merged, or all.</summary>
    public string State { get; init; } = "opened";
    public string? SourceBranch { get; init; }
    public string? TargetBranch { get; init; }

    internal string Query()
    {
        var parts = new List<string> { "state=" + Uri.EscapeDataString(State) };
        if (SourceBranch is not null) parts.Add("source_branch=" + Uri.EscapeDataString(SourceBranch));
        if (TargetBranch is not null) parts.Add("target_branch=" + Uri.EscapeDataString(TargetBranch));
        return "?" + string.Join('&', parts);
    }
}
