using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Progress;
using Octokit;

namespace ModelPipeline.Forges.GitHub;

/// <summary>
/// Pull requests on GitHub (or GitHub Enterprise: an <c>apiUrl</c> other than api.github.com gets
/// Octokit's <c>/api/v3/</c> prefix) through Octokit. A 422 "A pull request already exists" is
/// answered by finding the open PR for the branch and updating it, and by adding the labels and
/// review requests it lacks (the POST that created it may have lost its response before those
/// were set).
/// </summary>
public sealed partial class GitHubForge : IForge
{
    private readonly GitHubClient _client;
    private readonly string _owner;
    private readonly string _name;
    private readonly RateLimitBudget _budget;
    private readonly ForgeSettings _settings;

    public GitHubForge(ForgeSettings settings, string token, IPipelineReporter reporter)
    {
        var parts = (settings.Repository ?? "").Split('/');
        if (parts.Length != 2)
            throw new InvalidInputException(settings.Repository is null
                ? "pipeline.json: forge.repository is required for forge.kind 'github'. Fix: set it to the GitOps repository's \"owner/name\", e.g. \"acme/gitops\"."
                : $"pipeline.json: forge.repository '{settings.Repository}' is not a GitHub \"owner/name\". Fix: set forge.repository to the GitOps repository, e.g. \"acme/gitops\".");
        (_owner, _name) = (parts[0], parts[1]);
        var api = new Uri(settings.ApiUrl ?? "https://api.github.com/");
        _client = new GitHubClient(new ProductHeaderValue("modelpipe"), api) { Credentials = new Credentials(token) };
        _client.SetRequestTimeout(TimeSpan.FromSeconds(settings.TimeoutSeconds));
        _budget = RateLimitBudget.For("GitHub", settings, reporter);
        _settings = settings;
    }

    public string Kind => "github";

    public async Task<PullRequestResult> OpenOrUpdateAsync(PullRequestSpec spec, CancellationToken ct)
    {
        PullRequest pr;
        try
        {
            pr = await CallAsync("POST pulls", () => _client.PullRequest.Create(_owner, _name, new NewPullRequest(spec.Title, spec.Head, spec.Base) { Body = spec.Body }), ct);
        }
        catch (ApiValidationException ex) when (AlreadyExists(ex))
        {
            return await UpdateExistingAsync(spec, ct);
        }
        if (spec.Labels.Count > 0)
            await CallAsync("POST issue labels", () => _client.Issue.Labels.AddToIssue(_owner, _name, pr.Number, spec.Labels.ToArray()), ct);
        if (spec.Reviewers.Count > 0)
            await CallAsync("POST requested_reviewers", () => _client.PullRequest.ReviewRequest.Create(_owner, _name, pr.Number, new PullRequestReviewRequest(spec.Reviewers.ToList(), [])), ct);
        return new PullRequestResult { Action = PullRequestAction.Created, Url = pr.HtmlUrl, Number = pr.Number };
    }

    private async Task<PullRequestResult> UpdateExistingAsync(PullRequestSpec spec, CancellationToken ct)
    {
        var open = await CallAsync("GET pulls", () => _client.PullRequest.GetAllForRepository(_owner, _name,
            new PullRequestRequest { State = ItemStateFilter.Open, Head = $"{_owner}:{spec.Head}", Base = spec.Base }), ct);
        var existing = open.FirstOrDefault(p => p.Head?.Ref == spec.Head) ?? (open.Count > 0 ? open[0] : null)
            ?? throw new OperationFailedException($"GitHub says a pull request for {_owner}:{spec.Head} already exists, but no open one was found for it on {_owner}/{_name}. Fix: check the repository's pull requests and re-run.") { Model = spec.Model };
        var reconciled = await ReconcileAsync(existing, spec, ct);
        if (existing.Title == spec.Title && existing.Body == spec.Body)
            return new PullRequestResult { Action = reconciled ? PullRequestAction.Updated : PullRequestAction.Unchanged, Url = existing.HtmlUrl, Number = existing.Number };
        var updated = await CallAsync("PATCH pulls", () => _client.PullRequest.Update(_owner, _name, existing.Number, new PullRequestUpdate { Title = spec.Title, Body = spec.Body }), ct);
        return new PullRequestResult { Action = PullRequestAction.Updated, Url = updated.HtmlUrl, Number = updated.Number };
    }

    /// <summary>
    /// Adds the labels the open PR lacks and asks for the reviews it lacks (a reviewer counts as
    /// asked when requested or when they already reviewed). Returns whether anything was added.
    /// </summary>
    private async Task<bool> ReconcileAsync(PullRequest pr, PullRequestSpec spec, CancellationToken ct)
    {
        var labels = spec.Labels.Except(pr.Labels?.Select(l => l.Name) ?? [], StringComparer.OrdinalIgnoreCase).ToArray();
        if (labels.Length > 0)
            await CallAsync("POST issue labels", () => _client.Issue.Labels.AddToIssue(_owner, _name, pr.Number, labels), ct);
        var reviewers = spec.Reviewers.Except(pr.RequestedReviewers?.Select(u => u.Login) ?? [], StringComparer.OrdinalIgnoreCase).ToList();
        if (reviewers.Count > 0)
        {
            var reviews = await CallAsync("GET pull reviews", () => _client.PullRequest.Review.GetAll(_owner, _name, pr.Number), ct);
            reviewers = reviewers.Except(reviews.Select(r => r.User?.Login).OfType<string>(), StringComparer.OrdinalIgnoreCase).ToList();
        }
        if (reviewers.Count > 0)
            await CallAsync("POST requested_reviewers", () => _client.PullRequest.ReviewRequest.Create(_owner, _name, pr.Number, new PullRequestReviewRequest(reviewers, [])), ct);
        return labels.Length > 0 || reviewers.Count > 0;
    }

    private static bool AlreadyExists(ApiValidationException ex) =>
        ex.ApiError?.Errors?.Any(e => e.Message?.Contains("already exists", StringComparison.OrdinalIgnoreCase) == true) == true
        || ex.Message.Contains("already exists", StringComparison.OrdinalIgnoreCase);
}
