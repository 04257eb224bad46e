using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.GitOps;

/// <summary>The GitOps steps and a yanked version: never pinned to test, never proposed for prod unless named.</summary>
public sealed class YankedVersionTests
{
    [Fact]
    public async Task Promote_refuses_a_yanked_version_unless_allow_yanked_and_open_pr_never_proposes_one()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "gitops", "--model", "iris")).ExitCode);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "models", "yank", "iris@v1", "--reason", "leaks test data")).ExitCode);
        var refs = await BareRepo.GitAsync(world.GitOpsRepo(), "show-ref");

        var pr = await Modelpipe.RunAsync(world.Root, "pr");
        Assert.Equal(2, pr.ExitCode);
        Assert.Contains("iris v1 is yanked since", pr.All, StringComparison.Ordinal);
        var promote = await Modelpipe.RunAsync(world.Root, "promote", "--model", "iris", "--version", "1");
        Assert.Equal(2, promote.ExitCode);
        Assert.Contains("(reason: leaks test data)", promote.All, StringComparison.Ordinal);
        Assert.Contains("pass --allow-yanked", promote.All, StringComparison.Ordinal);
        Assert.Equal(refs, await BareRepo.GitAsync(world.GitOpsRepo(), "show-ref"));

        var allowed = await Modelpipe.RunAsync(world.Root, "promote", "--model", "iris", "--version", "1", "--allow-yanked");
        Assert.True(allowed.ExitCode == 0, allowed.All);
        Assert.Contains("v1 is yanked since", allowed.All, StringComparison.Ordinal);
        Assert.Contains("promote/iris-v1", await BareRepo.GitAsync(world.GitOpsRepo(), "branch", "--list"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_gitops_leaves_test_alone_when_the_version_of_the_key_is_yanked()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "models", "yank", "iris@v1", "--reason", "bad data")).ExitCode);

        var run = await Modelpipe.RunAsync(world.Root, "gitops", "--model", "iris");

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("left test alone: v1 is yanked since", run.All, StringComparison.Ordinal);
        // Nothing was pinned: the GitOps repository (created on first use) has no commit touching test/iris.
        var pinned = Directory.Exists(world.GitOpsRepo())
            ? await BareRepo.GitAsync(world.GitOpsRepo(), "log", "--all", "--name-only", "--format=")
            : "";
        Assert.DoesNotContain("test/iris/config.yaml", pinned, StringComparison.Ordinal);
    }
}
