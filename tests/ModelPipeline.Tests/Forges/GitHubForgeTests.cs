using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Forges.GitHub;
using ModelPipeline.Forges;
using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Forges;

/// <summary>Real Octokit against a fake GitHub (Enterprise API shape under /api/v3/) backed by real bare repositories.</summary>
public sealed class GitHubForgeTests
{
    private const string Canary = "ghp_CANARY_7f3c9a1d5e";

    private static void UseGitHub(TestWorld world, FakeGitHub fake) => world.SetSection("forge", $$"""
        { "kind": "github", "apiUrl": "{{fake.BaseUrl}}", "repository": "acme/gitops", "tokenEnv": "MP_TEST_GH_TOKEN",
          "labels": ["promotion"], "reviewers": ["alice"], "rateLimitMaxWaitSeconds": 5 }
        """);

    private static Dictionary<string, string?> Env(string? token = Canary) => ForgeTestKit.Env(token);

    private static ForgeSettings Settings(FakeGitHub fake, int maxWait = 5) => new()
    {
        Kind = "github", ApiUrl = fake.BaseUrl, Repository = "acme/gitops", TokenEnv = "MP_TEST_GH_TOKEN", RateLimitMaxWaitSeconds = maxWait,
    };

    [Fact]
    public async Task Open_pr_opens_one_github_pull_request_with_labels_and_reviewers_and_never_leaks_the_token()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        await using var git = await ForgeTestKit.ServeGitOpsAsync(world);
        await using var fake = await FakeGitHub.StartAsync("acme/gitops", git.ServedRepo(), Canary);
        UseGitHub(world, fake);
        var gitops = await Modelpipe.RunAsync(world.Root, ["gitops"], Env());

        var run = await Modelpipe.RunAsync(world.Root, ["pr", "--model", "iris"], Env());

        Assert.True(run.ExitCode == 0, run.All);
        var pr = Assert.Single(fake.PullRequests);
        Assert.Equal(("promote/iris-v1", "main"), (pr.Head, pr.Base));
        Assert.Equal("Promote iris v1 to prod (sha256:bbbbbbbbbbbb)", pr.Title);
        Assert.Contains("| accuracy | n/a | 0.95 | n/a |", pr.Body, StringComparison.Ordinal);
        Assert.Equal(["promotion"], pr.Labels);
        Assert.Equal(["alice"], pr.Reviewers);
        Assert.Contains($"{fake.BaseUrl}acme/gitops/pull/1", run.All, StringComparison.Ordinal);
        ForgeTestKit.AssertNowhere(Canary, world, gitops.All, run.All);
        ForgeTestKit.AssertNowhere(ForgeTestKit.GitOpsCanary, world, gitops.All, run.All, string.Join('\n', git.Requests), string.Join('\n', fake.Requests));
    }

    [Fact]
    public async Task Re_running_open_pr_without_a_new_test_pin_calls_nothing_and_promote_updates_the_text_only_when_it_changed()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        await using var git = await ForgeTestKit.ServeGitOpsAsync(world);
        await using var fake = await FakeGitHub.StartAsync("acme/gitops", git.ServedRepo(), Canary);
        UseGitHub(world, fake);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, ["gitops"], Env())).ExitCode);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, ["pr"], Env())).ExitCode);

        var calls = fake.Requests.Count;
        var again = await Modelpipe.RunAsync(world.Root, ["pr", "--json"], Env());

        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("\"action\": \"pin-unchanged\"", again.StdOut, StringComparison.Ordinal);
        Assert.Equal(calls, fake.Requests.Count);
        var unchanged = await Modelpipe.RunAsync(world.Root, ["promote", "--model", "iris", "--version", "1", "--json"], Env());
        Assert.True(unchanged.ExitCode == 0, unchanged.All);
        Assert.Contains("\"action\": \"unchanged\"", unchanged.StdOut, StringComparison.Ordinal);
        var pr = Assert.Single(fake.PullRequests);
        Assert.Equal(0, pr.Updates);

        var modelJson = Path.Combine(world.Root, "models", "iris", "model.json");
        File.WriteAllText(modelJson, File.ReadAllText(modelJson).Replace("Iris species classifier", "Iris classifier (v1 card)", StringComparison.Ordinal));
        var changed = await Modelpipe.RunAsync(world.Root, ["promote", "--model", "iris", "--version", "1", "--json"], Env());

        Assert.True(changed.ExitCode == 0, changed.All);
        Assert.Contains("\"action\": \"updated\"", changed.StdOut, StringComparison.Ordinal);
        Assert.Single(fake.PullRequests);
        Assert.Equal(1, pr.Updates);
        Assert.Contains("Iris classifier (v1 card)", pr.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pull_request_whose_head_branch_does_not_exist_is_rejected_as_github_would()
    {
        using var world = new TestWorld();
        var bare = await ForgeTestKit.BareRepoWithBranches(world);
        await using var fake = await FakeGitHub.StartAsync("acme/gitops", bare, Canary);
        var forge = new GitHubForge(Settings(fake), Canary, new RecordingReporter());

        var ex = await Assert.ThrowsAsync<OperationFailedException>(() => forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/missing", world.Root), default));
        Assert.True(fake.Failures.IsEmpty, string.Join("\n", fake.Failures));

        Assert.Contains("GitHub refused POST pulls on acme/gitops (422", ex.Message, StringComparison.Ordinal);
        Assert.Contains("head branch must exist", ex.Message, StringComparison.Ordinal);
        Assert.Empty(fake.PullRequests);
    }

    [Fact]
    public async Task A_duplicate_pull_request_gets_githubs_422_and_the_open_one_is_updated()
    {
        using var world = new TestWorld();
        var bare = await ForgeTestKit.BareRepoWithBranches(world, "promote/iris-v1");
        await using var fake = await FakeGitHub.StartAsync("acme/gitops", bare, Canary);
        var forge = new GitHubForge(Settings(fake), Canary, new RecordingReporter());
        var first = await forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root, "first"), default);

        var second = await forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root, "second"), default);

        Assert.Equal((PullRequestAction.Created, PullRequestAction.Updated), (first.Action, second.Action));
        Assert.Equal(first.Number, second.Number);
        Assert.Equal("second", Assert.Single(fake.PullRequests).Body);
        Assert.Equal(2, fake.Requests.Count(r => r.StartsWith("POST /api/v3/repos/acme/gitops/pulls", StringComparison.Ordinal) && !r.Contains("reviewers", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_secondary_rate_limit_and_a_429_are_waited_out_and_the_pull_request_is_opened()
    {
        using var world = new TestWorld();
        var bare = await ForgeTestKit.BareRepoWithBranches(world, "promote/iris-v1");
        await using var fake = await FakeGitHub.StartAsync("acme/gitops", bare, Canary);
        fake.Enqueue(403, FakeGitHub.SecondaryRateLimitBody, ("Retry-After", "1"));
        fake.Enqueue(429, FakeGitHub.TooManyRequestsBody, ("Retry-After", "0"));
        var reporter = new RecordingReporter();
        var forge = new GitHubForge(Settings(fake), Canary, reporter);

        var result = await forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root), default);

        Assert.Equal(PullRequestAction.Created, result.Action);
        Assert.Single(fake.PullRequests);
        Assert.Equal(2, reporter.Lines.Count(l => l.StartsWith("warning: GitHub rate limit on POST pulls", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_rate_limit_longer_than_the_bound_fails_with_a_clear_message_without_waiting()
    {
        using var world = new TestWorld();
        var bare = await ForgeTestKit.BareRepoWithBranches(world, "promote/iris-v1");
        await using var fake = await FakeGitHub.StartAsync("acme/gitops", bare, Canary);
        fake.Enqueue(429, FakeGitHub.TooManyRequestsBody, ("Retry-After", "3600"));
        var forge = new GitHubForge(Settings(fake, maxWait: 5), Canary, new RecordingReporter());

        var ex = await Assert.ThrowsAsync<OperationFailedException>(() => forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root), default));

        Assert.Contains("GitHub rate limit: POST pulls (429) was refused and asks to wait 3600s", ex.Message, StringComparison.Ordinal);
        Assert.Contains("forge.rateLimitMaxWaitSeconds (5s)", ex.Message, StringComparison.Ordinal);
        Assert.Empty(fake.PullRequests);
    }

    [Fact]
    public async Task An_exhausted_primary_quota_waits_for_its_reset_only_within_the_bound()
    {
        using var world = new TestWorld();
        var bare = await ForgeTestKit.BareRepoWithBranches(world, "promote/iris-v1");
        await using var fake = await FakeGitHub.StartAsync("acme/gitops", bare, Canary);
        var reset = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        fake.Enqueue(403, """{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}""",
            ("X-RateLimit-Limit", "5000"), ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", reset));
        var forge = new GitHubForge(Settings(fake, maxWait: 5), Canary, new RecordingReporter());

        var ex = await Assert.ThrowsAsync<OperationFailedException>(() => forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root), default));

        Assert.Contains("GitHub rate limit: POST pulls (403) was refused", ex.Message, StringComparison.Ordinal);
        Assert.Contains("forge.rateLimitMaxWaitSeconds (5s)", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Canary, ex.Message, StringComparison.Ordinal);
        Assert.Empty(fake.PullRequests);
    }

    [Theory]
    [InlineData("7", 7)]
    [InlineData(" 0 ", 0)]
    [InlineData("soon", null)]
    [InlineData("", null)]
    public void Retry_after_is_read_as_seconds(string header, int? seconds) =>
        Assert.Equal(seconds is null ? null : TimeSpan.FromSeconds(seconds.Value), RateLimitBudget.ParseRetryAfter(header));

    [Fact]
    public void Retry_after_as_an_http_date_in_the_past_means_no_wait() =>
        Assert.Equal(TimeSpan.Zero, RateLimitBudget.ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"));

    [Fact]
    public async Task A_rejected_token_fails_the_step_and_the_token_appears_nowhere()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        await using var git = await ForgeTestKit.ServeGitOpsAsync(world);
        await using var fake = await FakeGitHub.StartAsync("acme/gitops", git.ServedRepo(), "the-token-github-expects");
        UseGitHub(world, fake);
        var gitops = await Modelpipe.RunAsync(world.Root, ["gitops"], Env());

        var run = await Modelpipe.RunAsync(world.Root, ["pr"], Env());

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("GitHub rejected the token", run.All, StringComparison.Ordinal);
        Assert.Empty(fake.PullRequests);
        ForgeTestKit.AssertNowhere(Canary, world, gitops.All, run.All);
        ForgeTestKit.AssertNowhere(ForgeTestKit.GitOpsCanary, world, gitops.All, run.All, string.Join('\n', git.Requests), string.Join('\n', fake.Requests));
    }

    [Fact]
    public async Task A_github_forge_without_its_token_variable_is_invalid_input_and_pushes_nothing()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        await using var git = await ForgeTestKit.ServeGitOpsAsync(world);
        await using var fake = await FakeGitHub.StartAsync("acme/gitops", git.ServedRepo(), Canary);
        UseGitHub(world, fake);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, ["gitops"], Env())).ExitCode);

        var run = await Modelpipe.RunAsync(world.Root, ["pr"], Env(null));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("forge.tokenEnv names the environment variable MP_TEST_GH_TOKEN, which is not set", run.All, StringComparison.Ordinal);
        Assert.DoesNotContain("promote/", await BareRepo.GitAsync(git.ServedRepo(), "branch", "--list"), StringComparison.Ordinal);
    }
}
