namespace ModelPipeline.Forges.GitLab;

public sealed partial class GitLabForge
{
    /// <summary>
    /// Closes the model's older open promotion merge requests: a note linking the new one
    /// (<c>POST merge_requests/:iid/notes</c>), <c>state_event=close</c> (<c>PUT merge_requests/:iid</c>)
    /// and the source branch deleted (<c>DELETE repository/branches/:branch</c>).
    /// </summary>
    public async Task<IReadOnlyList<SupersededPullRequest>> CloseSupersededAsync(SupersedeSpec spec, CancellationToken ct)
    {
        using var gitLab = Client();
        var open = await gitLab.MergeRequests.GetAllAsync(_project, new MergeRequestFilter { TargetBranch = spec.Base }, ct);
        var closed = new List<SupersededPullRequest>();
        foreach (var mr in open.Where(m => spec.Supersedes(m.SourceBranch)).OrderBy(m => m.Iid))
        {
            await gitLab.MergeRequests.CreateNoteAsync(_project, mr.Iid, new NewNote(spec.Comment(Kind)), ct);
            await gitLab.MergeRequests.UpdateAsync(_project, mr.Iid, new MergeRequestUpdate { StateEvent = "close" }, ct);
            bool deleted;
            try
            {
                await gitLab.Branches.DeleteAsync(_project, mr.SourceBranch, ct);
                deleted = true;
            }
            catch (GitLabNotFoundException)
            {
                deleted = false; // already gone
            }
            closed.Add(new SupersededPullRequest
            {
                Branch = mr.SourceBranch,
                Version = SupersedeSpec.VersionOf(spec.Model, mr.SourceBranch)!.Value,
                Url = mr.WebUrl,
                Number = mr.Iid,
                BranchDeleted = deleted,
            });
        }
        return closed;
    }
}
