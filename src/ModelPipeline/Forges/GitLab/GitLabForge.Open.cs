namespace ModelPipeline.Forges.GitLab;

public sealed partial class GitLabForge : IOpenPullRequests
{
    /// <summary>
    /// <c>GET /projects/:id/merge_requests?state=opened&amp;target_branch=…</c>, the listing OpenPr closes
    /// superseded merge requests from; a source branch listed here gets its merge request updated (GitLab
    /// answers a second one 409), any other a new one.
    /// </summary>
    public async Task<IReadOnlyList<OpenPullRequest>> ListOpenAsync(string baseBranch, CancellationToken ct)
    {
        using var gitLab = Client();
        var filter = new MergeRequestFilter { TargetBranch = baseBranch };
        var open = await gitLab.MergeRequests.GetAllAsync(_project, filter, ct);
        return open.OrderBy(m => m.Iid).Select(m => new OpenPullRequest(m.SourceBranch, m.Iid, m.WebUrl)).ToList();
    }
}
