using System.Globalization;
using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Forges;
using ModelPipeline.Forges.GitHub;
using ModelPipeline.Forges.GitLab;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Forges;

/// <summary>
/// The forge clients against the edges of the real APIs (issue 19): rate limits that ask for no
/// wait, a POST whose response is lost, a request that never gets an answer, a rejected token.
/// Waits are made short through forge.rateLimitMinWaitSeconds and forge.timeoutSeconds; the
/// assertions count requests, never time.
/// </summary>
public sealed class ForgeEdgeTests
{
    private const string Canary = "ghp_CANARY_edge_5c1e9b";

    private static ForgeSettings Settings(string kind, FakeServer fake, int maxWait = 30, int timeout = 100) => new()
    {
        Kind = kind, ApiUrl = fake.BaseUrl, Repository = kind == "github" ? "acme/gitops" : "platform/gitops",
        TokenEnv = kind == "github" ? "MP_TEST_GH_TOKEN" : "MP_TEST_GL_TOKEN",
        RateLimitMaxWaitSeconds = maxWait, RateLimitMinWaitSeconds = 0.05, TimeoutSeconds = timeout,
    };

    private static async Task<(TestWorld World, FakeGitHub Fake)> GitHubAsync(string token = Canary)
    {
        var world = new TestWorld();
        var bare = await ForgeTestKit.BareRepoWithBranches(world, "promote/iris-v1");
        return (world, await FakeGitHub.StartAsync("acme/gitops", bare, token));
    }

    private static async Task<(TestWorld World, FakeGitLab Fake)> GitLabAsync(string token = Canary)
    {
        var world = new TestWorld();
        var bare = await ForgeTestKit.BareRepoWithBranches(world, "promote/iris-v1");
        return (world, await FakeGitLab.StartAsync("platform/gitops", bare, token));
    }

    [Theory]
    [InlineData("past-reset")]
    [InlineData("retry-after-0")]
    public async Task A_github_rate_limit_that_asks_for_no_wait_is_retried_with_a_floor_and_a_bounded_count(string kind)
    {
        var (world, fake) = await GitHubAsync();
        using var _ = world;
        await using var __ = fake;
        var past = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        for (var i = 0; i < 100; i++)
            if (kind == "past-reset")
                fake.Enqueue(403, """{"message":"API rate limit exceeded for user ID 1."}""",
                    ("X-RateLimit-Limit", "5000"), ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", past));
            else fake.Enqueue(429, FakeGitHub.TooManyRequestsBody, ("Retry-After", "0"));
        var reporter = new RecordingReporter();
        var forge = new GitHubForge(Settings("github", fake), Canary, reporter);

        var ex = await Assert.ThrowsAsync<OperationFailedException>(() => forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root), default));

        Assert.Contains($"still refused after {RateLimitBudget.MaxRetries} retries", ex.Message, StringComparison.Ordinal);
        Assert.Equal(RateLimitBudget.MaxRetries + 1, fake.Requests.Count);
        Assert.All(reporter.Lines.Where(l => l.Contains("rate limit", StringComparison.Ordinal)), l => Assert.DoesNotContain("waiting 0.0s", l, StringComparison.Ordinal));
        Assert.Empty(fake.PullRequests);
    }

    [Fact]
    public async Task A_gitlab_429_with_retry_after_0_is_retried_with_a_floor_and_a_bounded_count()
    {
        var (world, fake) = await GitLabAsync();
        using var _ = world;
        await using var __ = fake;
        for (var i = 0; i < 100; i++) fake.Enqueue(429, """{"message":"Retry later"}""", ("Retry-After", "0"));
        var forge = new GitLabForge(Settings("gitlab", fake), Canary, new RecordingReporter());

        var ex = await Assert.ThrowsAsync<OperationFailedException>(() => forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root), default));

        Assert.Contains($"still refused after {RateLimitBudget.MaxRetries} retries", ex.Message, StringComparison.Ordinal);
        Assert.Equal(RateLimitBudget.MaxRetries + 1, fake.Requests.Count);
    }

    [Fact]
    public async Task A_github_pull_request_whose_create_response_was_lost_gets_its_labels_and_reviewers_on_the_rerun()
    {
        var (world, fake) = await GitHubAsync();
        using var _ = world;
        await using var __ = fake;
        fake.LoseNextCreateResponse = true;
        var forge = new GitHubForge(Settings("github", fake), Canary, new RecordingReporter());

        var lost = await Assert.ThrowsAsync<OperationFailedException>(() => forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root), default));
        var again = await forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root), default);

        Assert.Contains("GitHub: POST pulls on acme/gitops got no answer", lost.Message, StringComparison.Ordinal);
        Assert.Equal(PullRequestAction.Updated, again.Action);
        var pr = Assert.Single(fake.PullRequests);
        Assert.Equal(["promotion"], pr.Labels);
        Assert.Equal(["alice"], pr.Reviewers);
        var third = await forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root), default);
        Assert.Equal(PullRequestAction.Unchanged, third.Action);
    }

    [Fact]
    public async Task A_gitlab_merge_request_whose_create_response_was_lost_is_found_and_gains_labels_it_lacks()
    {
        var (world, fake) = await GitLabAsync();
        using var _ = world;
        await using var __ = fake;
        fake.LoseNextCreateResponse = true;
        var forge = new GitLabForge(Settings("gitlab", fake), Canary, new RecordingReporter());

        var lost = await Assert.ThrowsAsync<OperationFailedException>(() => forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root), default));
        var again = await forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root), default);
        var relabelled = await forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root) with { Labels = ["promotion", "ml"] }, default);

        Assert.Contains("GitLab: POST /api/v4/projects/platform%2Fgitops/merge_requests got no answer", lost.Message, StringComparison.Ordinal);
        // GitLab sets labels and reviewers in the create itself: the MR the lost POST made already has them.
        Assert.Equal(PullRequestAction.Unchanged, again.Action);
        Assert.Equal(PullRequestAction.Updated, relabelled.Action);
        var mr = Assert.Single(fake.MergeRequests);
        Assert.Equal(["promotion", "ml"], mr.Labels);
        Assert.Equal(["alice"], mr.Reviewers);
        Assert.Equal(0, mr.Updates);
    }

    [Fact]
    public async Task A_forge_request_that_gets_no_answer_names_the_forge_the_request_and_forge_timeoutSeconds()
    {
        var (world, fake) = await GitHubAsync();
        using var _ = world;
        await using var __ = fake;
        fake.Stall();
        var forge = new GitHubForge(Settings("github", fake, timeout: 1), Canary, new RecordingReporter());

        var ex = await Assert.ThrowsAsync<OperationFailedException>(() => forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root), default));

        Assert.Contains("GitHub: POST pulls on acme/gitops timed out", ex.Message, StringComparison.Ordinal);
        Assert.Contains("within 1s", ex.Message, StringComparison.Ordinal);
        Assert.Contains("raise forge.timeoutSeconds in pipeline.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gitlab_request_that_gets_no_answer_names_gitlab_the_request_and_forge_timeoutSeconds()
    {
        var (world, fake) = await GitLabAsync();
        using var _ = world;
        await using var __ = fake;
        fake.Stall();
        var forge = new GitLabForge(Settings("gitlab", fake, timeout: 1), Canary, new RecordingReporter());

        var ex = await Assert.ThrowsAsync<OperationFailedException>(() => forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root), default));

        Assert.Contains("GitLab: GET /api/v4/users timed out", ex.Message, StringComparison.Ordinal);
        Assert.Contains("raise forge.timeoutSeconds in pipeline.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rejected_token_names_the_forge_the_request_the_status_and_the_variable()
    {
        var (world, github) = await GitHubAsync(token: "what-github-expects");
        using var _ = world;
        await using var __ = github;
        await using var gitlab = await FakeGitLab.StartAsync("platform/gitops", Path.Combine(world.Root, "remote.git"), "what-gitlab-expects");

        var gh = await Assert.ThrowsAsync<OperationFailedException>(() =>
            new GitHubForge(Settings("github", github), Canary, new RecordingReporter()).OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root), default));
        var gl = await Assert.ThrowsAsync<GitLabAuthorizationException>(() =>
            new GitLabForge(Settings("gitlab", gitlab), Canary, new RecordingReporter()).OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root), default));

        Assert.Contains("GitHub rejected the token in MP_TEST_GH_TOKEN (forge.tokenEnv) for POST pulls on acme/gitops (HTTP 401", gh.Message, StringComparison.Ordinal);
        Assert.Contains("GitLab: GET /api/v4/users failed (HTTP 401", gl.Message, StringComparison.Ordinal);
        Assert.Contains("check the token in MP_TEST_GL_TOKEN (forge.tokenEnv)", gl.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Canary, gh.Message + gl.Message, StringComparison.Ordinal);
    }
}
