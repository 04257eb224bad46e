using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.RemoteTraining;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Forges;

/// <summary>SIGTERM while OpenPr waits out GitHub's rate limit: a clear "cancelled", exit 130, no pull request.</summary>
public sealed class TerminatedPrTests
{
    private const string Token = "ghp_CANARY_sigterm_41c2";

    [Fact]
    public async Task Sigterm_during_openpr_retries_ends_with_a_clear_message_and_opens_no_pull_request()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        await using var git = await ForgeTestKit.ServeGitOpsAsync(world);
        await using var fake = await FakeGitHub.StartAsync("acme/gitops", git.ServedRepo(), Token);
        world.SetSection("forge", $$"""
            { "kind": "github", "apiUrl": "{{fake.BaseUrl}}", "repository": "acme/gitops", "tokenEnv": "MP_TEST_GH_TOKEN", "rateLimitMaxWaitSeconds": 3600 }
            """);
        var env = ForgeTestKit.Env(Token);
        var gitops = await Modelpipe.RunAsync(world.Root, ["gitops"], env);
        Assert.True(gitops.ExitCode == 0, gitops.All);
        for (var i = 0; i < 5; i++) fake.Enqueue(429, FakeGitHub.TooManyRequestsBody, ("Retry-After", "600"));

        var run = await SigInt.RunUntilAsync(world.Root, ["pr"], env,
            () => fake.Requests.Any(r => r.StartsWith("POST ", StringComparison.Ordinal) && r.EndsWith("/pulls", StringComparison.Ordinal)), "-TERM");

        Assert.True(run.ExitCode is 130 or 143, run.All);
        Assert.Contains("cancelled", run.All, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected error", run.All, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.All, StringComparison.Ordinal);
        Assert.Empty(fake.PullRequests);
        Assert.DoesNotContain(Token, run.All, StringComparison.Ordinal);
    }
}
