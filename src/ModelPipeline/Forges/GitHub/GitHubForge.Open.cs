using Octokit;

namespace ModelPipeline.Forges.GitHub;

public sealed partial class GitHubForge : IOpenPullRequests
{
    /// <summary>
    /// One listing (<c>GET /repos/:owner/:repo/pulls?state=open&amp;base=…</c>, paged by Octokit), filtered as
    /// OpenPr filters it: a head in this repository (<c>owner:branch</c>). A POST for a head listed here is
    /// answered 422 "already exists" and becomes an update; a head not listed gets a new pull request.
    /// </summary>
    public async Task<IReadOnlyList<OpenPullRequest>> ListOpenAsync(string baseBranch, CancellationToken ct)
    {
        var open = await CallAsync("GET pulls", () => _client.PullRequest.GetAllForRepository(_owner, _name,
            new PullRequestRequest { State = ItemStateFilter.Open, Base = baseBranch }), ct);
        return open.Where(p => p.Head?.Ref is { } head && p.Head.Label == $"{_owner}:{head}").OrderBy(p => p.Number)
            .Select(p => new OpenPullRequest(p.Head.Ref, p.Number, p.HtmlUrl)).ToList();
    }
}
