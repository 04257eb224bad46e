using Octokit;

namespace ModelPipeline.Forges.GitHub;

public sealed partial class GitHubForge
{
    /// <summary>
    /// Closes the model's older open promotion pull requests: a comment linking the new one
    /// (<c>POST issues/:n/comments</c>), the state set to closed (<c>PATCH pulls/:n</c>) and the head
    /// branch deleted (<c>DELETE git/refs/heads/…</c>). Pull requests from forks are left alone.
    /// </summary>
    public async Task<IReadOnlyList<SupersededPullRequest>> CloseSupersededAsync(SupersedeSpec spec, CancellationToken ct)
    {
        var open = await CallAsync("GET pulls", () => _client.PullRequest.GetAllForRepository(_owner, _name,
            new PullRequestRequest { State = ItemStateFilter.Open, Base = spec.Base }), ct);
        var closed = new List<SupersededPullRequest>();
        foreach (var pr in open.Where(p => p.Head?.Ref is { } head && spec.Supersedes(head) && p.Head.Label == $"{_owner}:{head}").OrderBy(p => p.Number))
        {
            var branch = pr.Head.Ref;
            await CallAsync("POST issue comments", () => _client.Issue.Comment.Create(_owner, _name, pr.Number, spec.Comment(Kind)), ct);
            await CallAsync("PATCH pulls (close)", () => _client.PullRequest.Update(_owner, _name, pr.Number, new PullRequestUpdate { State = ItemState.Closed }), ct);
            var deleted = await CallAsync("DELETE git/refs", async () =>
            {
                try
                {
                    await _client.Git.Reference.Delete(_owner, _name, $"heads/{branch}");
                    return true;
                }
                catch (ApiValidationException)
                {
                    return false; // 422 "Reference does not exist": already deleted
                }
                catch (NotFoundException)
                {
                    return false;
                }
            }, ct);
            closed.Add(new SupersededPullRequest
            {
                Branch = branch,
                Version = SupersedeSpec.VersionOf(spec.Model, branch)!.Value,
                Url = pr.HtmlUrl,
                Number = pr.Number,
                BranchDeleted = deleted,
            });
        }
        return closed;
    }
}
