namespace ModelPipeline.Forges.GitLab;

/// <summary>A merge request as GitLab returns it (the fields this project reads).</summary>
public sealed record MergeRequest
{
    public long Id { get; init; }
    public int Iid { get; init; }
    public string Title { get; init; } = "";
    public string? Description { get; init; }
    public string State { get; init; } = "";
    public string SourceBranch { get; init; } = "";
    public string TargetBranch { get; init; } = "";
    public string WebUrl { get; init; } = "";
    public IReadOnlyList<string> Labels { get; init; } = [];
    public IReadOnlyList<User> Reviewers { get; init; } = [];
}

public sealed record User
{
    public int Id { get; init; }
    public string Username { get; init; } = "";
}

/// <summary>A comment (note) on a merge request.</summary>
public sealed record Note
{
    public long Id { get; init; }
    public string Body { get; init; } = "";
}
