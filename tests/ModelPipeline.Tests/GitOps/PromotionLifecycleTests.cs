using ModelPipeline.Tests.Support;
using static ModelPipeline.Tests.GitOps.Operators;

namespace ModelPipeline.Tests.GitOps;

/// <summary>
/// Promotions after the first: merged ones are history (never "superseded"), a rollback names the real
/// versions, pr merge on the local forge, and the zoo's prod alias checked against prod in GitOps.
/// </summary>
public sealed class PromotionLifecycleTests
{
    [Fact]
    public async Task A_merged_promotion_is_never_closed_as_superseded()
    {
        using var world = new TestWorld();
        await DeployAsync(world, 1);
        await RunOkAsync(world, "pr", "--model", "iris");
        await MergeByHandAsync(world, "promote/iris-v1"); // v1 runs in prod; its branch stays
        await DeployAsync(world, 2);

        var run = await RunOkAsync(world, "pr", "--model", "iris", "--json");

        Assert.Contains("\"superseded\": []", run.StdOut, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(PromotionDir(world, 1), "closed.md")));
        Assert.NotNull(await BareRepo.TipAsync(world.GitOpsRepo(), "promote/iris-v1"));
        Assert.NotNull(await BareRepo.TipAsync(world.GitOpsRepo(), "promote/iris-v2"));
    }

    [Fact]
    public async Task Proposing_a_closed_version_again_removes_its_closed_note()
    {
        using var world = new TestWorld();
        await DeployAsync(world, 1);
        await RunOkAsync(world, "pr", "--model", "iris");
        await DeployAsync(world, 2);
        await RunOkAsync(world, "pr", "--model", "iris");
        Assert.True(File.Exists(Path.Combine(PromotionDir(world, 1), "closed.md")));

        await RunOkAsync(world, "promote", "--model", "iris", "--version", "1");

        Assert.False(File.Exists(Path.Combine(PromotionDir(world, 1), "closed.md")));
        Assert.True(File.Exists(Path.Combine(PromotionDir(world, 1), "pull-request.md")));
        Assert.NotNull(await BareRepo.TipAsync(world.GitOpsRepo(), "promote/iris-v1"));
    }

    [Fact]
    public async Task A_rollback_pull_request_names_the_versions_prod_moves_between_and_the_one_test_runs()
    {
        using var world = new TestWorld();
        await DeployToProdAsync(world, 1);
        await DeployToProdAsync(world, 2);
        await DeployAsync(world, 3);

        await RunOkAsync(world, "promote", "--model", "iris", "--version", "1");

        var body = await File.ReadAllTextAsync(Path.Combine(PromotionDir(world, 1), "pull-request.md"));
        Assert.Contains($"**prod v2 → v1** ({PublishedModels.Digest(2)[..19]} → {PublishedModels.Digest(1)[..19]}), a rollback to an older version.", body, StringComparison.Ordinal);
        Assert.Contains($"Test runs v3 ({PublishedModels.Digest(3)[..19]}) now, not v1; v1 ran in test at GitOps commit", body, StringComparison.Ordinal);
        Assert.DoesNotContain("the digest that runs in test now", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pr_merge_merges_the_open_local_promotion_and_moves_the_zoo_prod_alias()
    {
        using var world = new TestWorld();
        await DeployAsync(world, 1);
        await RunOkAsync(world, "pr", "--model", "iris");

        var run = await RunOkAsync(world, "pr", "merge", "iris", "--json");

        Assert.Contains("environment: prod\n", await BareRepo.ShowAsync(world.GitOpsRepo(), "prod/iris/config.yaml"), StringComparison.Ordinal);
        Assert.Null(await BareRepo.TipAsync(world.GitOpsRepo(), "promote/iris-v1"));
        Assert.Equal("Jane Ops", (await BareRepo.GitAsync(world.GitOpsRepo(), "log", "-1", "--format=%an", "main")).Trim());
        Assert.Contains("\"prod\": 1", await BareRepo.ShowAsync(world.ZooRepo(), "models/iris/aliases.json"), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(PromotionDir(world, 1), "merged.md")));
        Assert.Contains("zoo prod alias v1", run.All, StringComparison.Ordinal);

        var again = await RunAsync(world, "pr", "merge", "iris");

        Assert.Equal(2, again.ExitCode);
        Assert.Contains("model 'iris' has no open promotion in the GitOps repository", again.StdErr, StringComparison.Ordinal);
        Assert.Contains("Fix:", again.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pr_merge_into_a_frozen_prod_exits_1_and_merges_nothing()
    {
        using var world = new TestWorld();
        await DeployAsync(world, 1);
        await RunOkAsync(world, "pr", "--model", "iris");
        await RunOkAsync(world, "env", "freeze", "prod", "--model", "iris", "--reason", "incident 42");
        var main = await BareRepo.TipAsync(world.GitOpsRepo());

        var run = await RunAsync(world, "pr", "merge", "iris");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("prod of 'iris' is frozen by Jane Ops <jane@example.com>", run.All, StringComparison.Ordinal);
        Assert.Contains("promote/iris-v1 is not merged", run.All, StringComparison.Ordinal);
        Assert.Equal(main, await BareRepo.TipAsync(world.GitOpsRepo()));
        Assert.NotNull(await BareRepo.TipAsync(world.GitOpsRepo(), "promote/iris-v1"));
    }

    [Fact]
    public async Task Publish_warns_when_prod_in_gitops_and_the_zoo_prod_alias_disagree()
    {
        using var world = new TestWorld();
        await DeployAsync(world, 1);
        await RunOkAsync(world, "pr", "--model", "iris");
        await MergeByHandAsync(world, "promote/iris-v1"); // merged without SyncAliases
        await world.PublishAsync("iris", 2);

        var lagging = await RunOkAsync(world, "gitops", "--model", "iris");

        Assert.Contains("warning: prod/iris/config.yaml in the GitOps repository deploys v1, but the zoo's prod alias is not set", lagging.All, StringComparison.Ordinal);
        Assert.Contains("Fix: run ./build.sh SyncAliases --model iris", lagging.All, StringComparison.Ordinal);

        await RunOkAsync(world, "sync-aliases", "--model", "iris");
        var synced = await RunOkAsync(world, "gitops", "--model", "iris");

        Assert.DoesNotContain("prod alias", synced.All, StringComparison.Ordinal);
    }
}
