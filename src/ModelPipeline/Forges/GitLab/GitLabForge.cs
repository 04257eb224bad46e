using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Progress;

namespace ModelPipeline.Forges.GitLab;

/// <summary>
/// Merge requests on GitLab through <see cref="GitLabClient"/>. A 409 "Another open merge request
/// already exists" is answered by finding the open MR for the branch and updating it: title and
/// description when they changed, and the labels and reviewers it lacks (after a lost response).
/// </summary>
public sealed partial class GitLabForge(ForgeSettings settings, string token, IPipelineReporter reporter) : IForge
{
    private readonly string _project = settings.Repository
        ?? throw new InvalidInputException("pipeline.json: forge.repository is required for forge.kind 'gitlab'. Fix: set it to the GitOps project path, e.g. \"platform/gitops\".");

    public string Kind => "gitlab";

    public async Task<PullRequestResult> OpenOrUpdateAsync(PullRequestSpec spec, CancellationToken ct)
    {
        using var gitLab = Client();
        var reviewers = new List<int>();
        foreach (var name in spec.Reviewers)
        {
            var user = await gitLab.Users.GetByUsernameAsync(name, ct);
            if (user is null) reporter.Warning(spec.Model, $"GitLab user '{name}' (forge.reviewers) was not found; not asking them to review");
            else reviewers.Add(user.Id);
        }
        try
        {
            var created = await gitLab.MergeRequests.CreateAsync(_project, new NewMergeRequest(spec.Head, spec.Base, spec.Title)
            {
                Description = spec.Body,
                Labels = spec.Labels,
                ReviewerIds = reviewers.Count > 0 ? reviewers : null,
            }, ct);
            return new PullRequestResult { Action = PullRequestAction.Created, Url = created.WebUrl, Number = created.Iid };
        }
        catch (GitLabConflictException)
        {
            var open = await gitLab.MergeRequests.GetAllAsync(_project, new MergeRequestFilter { SourceBranch = spec.Head, TargetBranch = spec.Base }, ct);
            var existing = open.Count > 0 ? open[0]
                : throw new OperationFailedException($"GitLab says a merge request for {spec.Head} already exists, but no open one targets {spec.Base} on {_project}. Fix: check the project's merge requests and re-run.") { Model = spec.Model };
            // The POST that created it may have lost its answer: add the labels and reviewers it lacks, remove none.
            var labels = spec.Labels.Except(existing.Labels, StringComparer.Ordinal).ToList();
            var missing = reviewers.Except(existing.Reviewers.Select(r => r.Id)).ToList();
            var update = new MergeRequestUpdate
            {
                Title = existing.Title == spec.Title ? null : spec.Title,
                Description = existing.Description == spec.Body ? null : spec.Body,
                AddLabels = labels.Count > 0 ? string.Join(',', labels) : null,
                ReviewerIds = missing.Count > 0 ? [.. existing.Reviewers.Select(r => r.Id), .. missing] : null,
            };
            if (update == new MergeRequestUpdate())
                return new PullRequestResult { Action = PullRequestAction.Unchanged, Url = existing.WebUrl, Number = existing.Iid };
            var updated = await gitLab.MergeRequests.UpdateAsync(_project, existing.Iid, update, ct);
            return new PullRequestResult { Action = PullRequestAction.Updated, Url = updated.WebUrl, Number = updated.Iid };
        }
    }

    private GitLabClient Client() =>
        GitLabClient.Create(new Uri(settings.ApiUrl ?? "https://gitlab.com/"), token, reporter, settings);
}
