using ModelPipeline.Configuration;
using ModelPipeline.Forges;
using ModelPipeline.Forges.GitLab;
using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Forges;

/// <summary>The library's GitLab REST v4 client against a fake GitLab backed by real bare repositories.</summary>
public sealed class GitLabForgeTests
{
    private const string Canary = "glpat-CANARY-4b8e2f6a0c";

    private static void UseGitLab(TestWorld world, FakeGitLab fake) => world.SetSection("forge", $$"""
        { "kind": "gitlab", "apiUrl": "{{fake.BaseUrl}}", "repository": "platform/gitops", "tokenEnv": "MP_TEST_GL_TOKEN",
          "labels": ["promotion", "ml"], "reviewers": ["alice"], "rateLimitMaxWaitSeconds": 5 }
        """);

    private static Dictionary<string, string?> Env() => ForgeTestKit.Env(null, Canary);

    private static GitLabClient Client(FakeGitLab fake, string token = Canary, int maxWait = 5, RecordingReporter? reporter = null) =>
        new(new Uri(fake.BaseUrl), token, new RateLimitBudget("GitLab", TimeSpan.FromSeconds(maxWait), reporter ?? new RecordingReporter()));

    [Fact]
    public async Task Open_pr_opens_one_gitlab_merge_request_and_leaves_it_alone_on_re_run()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        await using var git = await ForgeTestKit.ServeGitOpsAsync(world);
        await using var fake = await FakeGitLab.StartAsync("platform/gitops", git.ServedRepo(), Canary);
        UseGitLab(world, fake);
        var gitops = await Modelpipe.RunAsync(world.Root, ["gitops"], Env());

        var first = await Modelpipe.RunAsync(world.Root, ["pr", "--model", "iris"], Env());
        var calls = fake.Requests.Count;
        var again = await Modelpipe.RunAsync(world.Root, ["pr", "--model", "iris", "--json"], Env());

        Assert.True(first.ExitCode == 0, first.All);
        Assert.True(again.ExitCode == 0, again.All);
        var mr = Assert.Single(fake.MergeRequests);
        Assert.Equal(("promote/iris-v1", "main"), (mr.Head, mr.Base));
        Assert.Equal(["promotion", "ml"], mr.Labels);
        Assert.Equal(["alice"], mr.Reviewers);
        Assert.Contains("### Config diff", mr.Body, StringComparison.Ordinal);
        Assert.Equal(0, mr.Updates);
        Assert.Contains("\"action\": \"pin-unchanged\"", again.StdOut, StringComparison.Ordinal);
        Assert.Equal(calls, fake.Requests.Count);
        Assert.Contains($"{fake.BaseUrl}platform/gitops/-/merge_requests/1", first.All, StringComparison.Ordinal);
        ForgeTestKit.AssertNowhere(Canary, world, gitops.All, first.All, again.All);
        ForgeTestKit.AssertNowhere(ForgeTestKit.GitOpsCanary, world, gitops.All, first.All, again.All, string.Join('\n', git.Requests));
    }

    [Fact]
    public async Task A_duplicate_merge_request_gets_gitlabs_409_and_the_open_one_is_updated()
    {
        using var world = new TestWorld();
        var bare = await ForgeTestKit.BareRepoWithBranches(world, "promote/iris-v1");
        await using var fake = await FakeGitLab.StartAsync("platform/gitops", bare, Canary);
        var forge = new GitLabForge(new ForgeSettings { Kind = "gitlab", ApiUrl = fake.BaseUrl, Repository = "platform/gitops", RateLimitMaxWaitSeconds = 5 }, Canary, new RecordingReporter());
        var first = await forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root, "first"), default);

        var second = await forge.OpenOrUpdateAsync(ForgeTestKit.Spec("promote/iris-v1", world.Root, "second"), default);

        Assert.Equal((PullRequestAction.Created, PullRequestAction.Updated), (first.Action, second.Action));
        Assert.Equal(first.Number, second.Number);
        Assert.Equal("second", Assert.Single(fake.MergeRequests).Body);
    }

    [Fact]
    public async Task A_merge_request_from_a_branch_that_does_not_exist_is_refused()
    {
        using var world = new TestWorld();
        var bare = await ForgeTestKit.BareRepoWithBranches(world);
        await using var fake = await FakeGitLab.StartAsync("platform/gitops", bare, Canary);
        using var gitLab = Client(fake);

        var ex = await Assert.ThrowsAsync<GitLabValidationException>(() =>
            gitLab.MergeRequests.CreateAsync("platform/gitops", new NewMergeRequest("promote/missing", "main", "t")));

        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, ex.StatusCode);
        Assert.Contains("POST /api/v4/projects/platform%2Fgitops/merge_requests failed (HTTP 422 source_branch does not exist)", ex.Message, StringComparison.Ordinal);
        Assert.Empty(fake.MergeRequests);
    }

    [Fact]
    public async Task The_status_table_maps_401_and_404_to_their_exception_types_without_the_token()
    {
        using var world = new TestWorld();
        var bare = await ForgeTestKit.BareRepoWithBranches(world, "promote/iris-v1");
        await using var fake = await FakeGitLab.StartAsync("platform/gitops", bare, "the-token-gitlab-expects");
        using var wrongToken = Client(fake, token: Canary);
        using var rightToken = Client(fake, token: "the-token-gitlab-expects");

        var unauthorized = await Assert.ThrowsAsync<GitLabAuthorizationException>(() =>
            wrongToken.MergeRequests.GetAllAsync("platform/gitops", new MergeRequestFilter()));
        var notFound = await Assert.ThrowsAsync<GitLabNotFoundException>(() =>
            rightToken.MergeRequests.CreateAsync("platform/other", new NewMergeRequest("promote/iris-v1", "main", "t")));

        Assert.Contains("401 401 Unauthorized", unauthorized.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Canary, unauthorized.Message, StringComparison.Ordinal);
        Assert.Contains("404 404 Project Not Found", notFound.Message, StringComparison.Ordinal);
        Assert.Contains("Fix: check forge.repository", notFound.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_429_is_waited_out_within_the_bound_and_one_beyond_it_fails_clearly()
    {
        using var world = new TestWorld();
        var bare = await ForgeTestKit.BareRepoWithBranches(world, "promote/iris-v1", "promote/iris-v2");
        await using var fake = await FakeGitLab.StartAsync("platform/gitops", bare, Canary);
        var reporter = new RecordingReporter();
        using var gitLab = Client(fake, maxWait: 5, reporter: reporter);
        fake.Enqueue(429, """{"message":"429 Too Many Requests"}""", ("Retry-After", "1"));

        var created = await gitLab.MergeRequests.CreateAsync("platform/gitops", new NewMergeRequest("promote/iris-v1", "main", "t"));
        fake.Enqueue(429, """{"message":"429 Too Many Requests"}""", ("Retry-After", "600"));
        var ex = await Assert.ThrowsAsync<ModelPipeline.Errors.OperationFailedException>(() =>
            gitLab.MergeRequests.CreateAsync("platform/gitops", new NewMergeRequest("promote/iris-v2", "main", "t")));

        Assert.Equal(1, created.Iid);
        Assert.Single(reporter.Lines, l => l.StartsWith("warning: GitLab rate limit on POST", StringComparison.Ordinal));
        Assert.Contains("GitLab rate limit: POST /api/v4/projects/platform%2Fgitops/merge_requests (429) was refused and asks to wait 600s", ex.Message, StringComparison.Ordinal);
        Assert.Contains("forge.rateLimitMaxWaitSeconds (5s)", ex.Message, StringComparison.Ordinal);
        Assert.Single(fake.MergeRequests);
    }
}
