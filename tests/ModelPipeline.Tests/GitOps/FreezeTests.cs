using ModelPipeline.Tests.Support;
using static ModelPipeline.Tests.GitOps.Operators;

namespace ModelPipeline.Tests.GitOps;

/// <summary>Operators' decisions stand: a test pin set by hand, and env freeze/unfreeze, against the real sandbox GitOps repository.</summary>
public sealed class FreezeTests
{
    [Fact]
    public async Task A_test_pin_set_by_hand_stands_until_a_new_version_is_published()
    {
        using var world = new TestWorld();
        await DeployAsync(world, 1);
        var v1 = await TestConfigAsync(world);
        await DeployAsync(world, 2);
        await RunOkAsync(world, "pr", "--model", "iris"); // as Publish does
        await EditByHandAsync(world, "test/iris/config.yaml", v1, "roll test back to v1: v2 is bad");
        var commits = await BareRepo.CommitCountAsync(world.GitOpsRepo());

        var again = await RunAsync(world, "gitops", "--model", "iris", "--json"); // a no-op Publish: v2 is still the current key

        Assert.True(again.ExitCode == 0, again.All);
        Assert.Equal(v1, await TestConfigAsync(world));
        Assert.Equal(commits, await BareRepo.CommitCountAsync(world.GitOpsRepo()));
        Assert.Contains("left test alone: test/iris/config.yaml pins v1, set by hand by Sam Oncall <sam@example.com>", again.All, StringComparison.Ordinal);
        Assert.Contains("stands until a new version is published", again.All, StringComparison.Ordinal);
        Assert.Contains("\"result\": \"skipped\"", again.StdOut, StringComparison.Ordinal);
        var pr = await RunAsync(world, "pr", "--model", "iris", "--json");
        Assert.Contains("\"action\": \"pin-unchanged\"", pr.StdOut, StringComparison.Ordinal);

        await DeployAsync(world, 3);

        Assert.Contains("model_version: 3\n", await TestConfigAsync(world), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_frozen_test_is_never_moved_and_publish_reports_who_froze_it_why_and_until_when()
    {
        using var world = new TestWorld();
        await DeployAsync(world, 1);

        var freeze = await RunOkAsync(world, "env", "freeze", "test", "--model", "iris", "--reason", "load test of v1", "--until", "2099-01-01");

        var file = await BareRepo.ShowAsync(world.GitOpsRepo(), "test/iris/freeze.yaml");
        Assert.Contains("reason: load test of v1\n", file, StringComparison.Ordinal);
        Assert.Contains("frozen_by: Jane Ops <jane@example.com>\n", file, StringComparison.Ordinal);
        Assert.Contains("until: 2099-01-01T00:00:00Z\n", file, StringComparison.Ordinal);
        Assert.Equal("Jane Ops", (await BareRepo.GitAsync(world.GitOpsRepo(), "log", "-1", "--format=%an", "main")).Trim());
        Assert.Contains("test frozen by Jane Ops <jane@example.com> until 2099-01-01T00:00:00Z: load test of v1", freeze.All, StringComparison.Ordinal);

        await world.PublishAsync("iris", 2);
        var publish = await RunAsync(world, "gitops", "--model", "iris");

        Assert.True(publish.ExitCode == 0, publish.All);
        Assert.Contains("model_version: 1\n", await TestConfigAsync(world), StringComparison.Ordinal);
        Assert.Contains("test of 'iris' is frozen by Jane Ops <jane@example.com> since ", publish.All, StringComparison.Ordinal);
        Assert.Contains("until 2099-01-01T00:00:00Z (reason: load test of v1); test stays at v1, v2 is not deployed", publish.All, StringComparison.Ordinal);
        Assert.DoesNotContain("\"test\": 2", await BareRepo.ShowAsync(world.ZooRepo(), "models/iris/aliases.json"), StringComparison.Ordinal);

        var unfreeze = await RunOkAsync(world, "env", "unfreeze", "test", "--model", "iris");
        Assert.Contains("test unfrozen", unfreeze.All, StringComparison.Ordinal);
        Assert.Null(await ShowOrNullAsync(world, "test/iris/freeze.yaml"));
        await RunOkAsync(world, "gitops", "--model", "iris");
        Assert.Contains("model_version: 2\n", await TestConfigAsync(world), StringComparison.Ordinal);
        var nothing = await RunOkAsync(world, "env", "unfreeze", "test", "--model", "iris");
        Assert.Contains("test was not frozen", nothing.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promote_into_a_frozen_prod_exits_1_while_open_pr_reports_the_freeze_and_exits_0()
    {
        using var world = new TestWorld();
        await DeployAsync(world, 1);
        await RunOkAsync(world, "env", "freeze", "prod", "--model", "iris", "--reason", "quarter-end change freeze");
        var refs = await BareRepo.GitAsync(world.GitOpsRepo(), "show-ref");

        var pr = await RunAsync(world, "pr", "--model", "iris", "--json");
        var promote = await RunAsync(world, "promote", "--model", "iris", "--version", "1");

        Assert.True(pr.ExitCode == 0, pr.All);
        Assert.Contains("\"action\": \"frozen\"", pr.StdOut, StringComparison.Ordinal);
        Assert.Contains("prod of 'iris' is frozen by Jane Ops <jane@example.com>", pr.All, StringComparison.Ordinal);
        Assert.Equal(1, promote.ExitCode);
        Assert.Contains("until someone unfreezes it (reason: quarter-end change freeze); v1 is not proposed for prod", promote.All, StringComparison.Ordinal);
        Assert.Contains("Fix: wait until the freeze ends, or lift it (modelpipe env unfreeze prod --model iris)", promote.All, StringComparison.Ordinal);
        Assert.Equal(refs, await BareRepo.GitAsync(world.GitOpsRepo(), "show-ref"));
        Assert.False(File.Exists(Path.Combine(PromotionDir(world, 1), "pull-request.md")));
        Assert.True(File.Exists(Path.Combine(world.ArtifactsDir, "iris", "pending-promotion.json")));

        await RunOkAsync(world, "env", "unfreeze", "prod", "--model", "iris");
        await RunOkAsync(world, "pr", "--model", "iris");

        Assert.NotNull(await BareRepo.TipAsync(world.GitOpsRepo(), "promote/iris-v1"));
    }

    [Fact]
    public async Task A_freeze_whose_end_has_passed_no_longer_holds()
    {
        using var world = new TestWorld();
        await DeployAsync(world, 1);
        await EditByHandAsync(world, "test/iris/freeze.yaml",
            "model: iris\nenvironment: test\nreason: old\nfrozen_by: Sam\nfrozen_at: 2020-01-01T00:00:00Z\nuntil: 2020-01-02T00:00:00Z\n", "freeze test");
        await world.PublishAsync("iris", 2);

        var run = await RunOkAsync(world, "gitops", "--model", "iris");

        Assert.Contains("model_version: 2\n", await TestConfigAsync(world), StringComparison.Ordinal);
        Assert.Contains("ended at 2020-01-02T00:00:00Z; it no longer holds", run.All, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("staging", "--reason", "x", "staging")]
    [InlineData("test", "--reason", " ", "--reason is empty")]
    [InlineData("test", "--until", "soon", "--until 'soon' is not a time")]
    [InlineData("test", "--until", "2001-01-01T00:00:00Z", "is not in the future")]
    public async Task A_bad_freeze_request_exits_2_and_commits_nothing(string environment, string option, string value, string message)
    {
        using var world = new TestWorld();
        await DeployAsync(world, 1);
        var commits = await BareRepo.CommitCountAsync(world.GitOpsRepo());
        string[] args = option == "--reason"
            ? ["env", "freeze", environment, "--model", "iris", "--reason", value]
            : ["env", "freeze", environment, "--model", "iris", "--reason", "r", option, value];

        var run = await RunAsync(world, args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.StdErr, StringComparison.Ordinal);
        Assert.Contains("Fix:", run.StdErr, StringComparison.Ordinal);
        Assert.Equal(commits, await BareRepo.CommitCountAsync(world.GitOpsRepo()));
    }
}
