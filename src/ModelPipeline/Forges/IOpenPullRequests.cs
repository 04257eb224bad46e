namespace ModelPipeline.Forges;

/// <summary>
/// A hosted forge asked, read-only, which pull requests are open: what the what-if plan needs to say whether
/// OpenPr would open a pull request or update one, and which older ones it would close. GET requests only.
/// </summary>
public interface IOpenPullRequests
{
    /// <summary>
    /// The open pull (merge) requests onto <paramref name="baseBranch"/> from branches of the repository itself
    /// (not forks), oldest first: the ones OpenPr would find (update) or close as superseded.
    /// </summary>
    Task<IReadOnlyList<OpenPullRequest>> ListOpenAsync(string baseBranch, CancellationToken ct);
}

/// <summary>An open pull request: its head branch, number (GitLab: iid) and web URL.</summary>
public sealed record OpenPullRequest(string Head, int Number, string Url);
