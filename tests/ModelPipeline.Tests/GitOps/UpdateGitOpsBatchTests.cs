using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.GitOps;

/// <summary>UpdateGitOps pins every model of a run in one GitOps commit and moves their zoo test aliases in one zoo commit.</summary>
public sealed class UpdateGitOpsBatchTests
{
    [Fact]
    public async Task Many_models_are_pinned_in_one_gitops_commit_and_their_test_aliases_in_one_zoo_commit()
    {
        using var world = new TestWorld();
        foreach (var name in new[] { "alpha", "beta", "gamma" }) await world.SeedPackagedAsync(name);
        var push = await Modelpipe.RunAsync(world.Root, "push");
        Assert.True(push.ExitCode == 0, push.All);

        var run = await Modelpipe.RunAsync(world.Root, "gitops");

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal(1, await BareRepo.CommitCountAsync(world.GitOpsRepo()));
        var message = await BareRepo.GitAsync(world.GitOpsRepo(), "log", "-1", "--format=%B", "main");
        Assert.StartsWith("test: deploy 3 models", message, StringComparison.Ordinal);
        foreach (var name in new[] { "alpha", "beta", "gamma" })
        {
            Assert.Contains($"test: deploy {name} v1 (", message, StringComparison.Ordinal);
            Assert.Contains("model_version: 1", await BareRepo.ShowAsync(world.GitOpsRepo(), $"test/{name}/config.yaml"));
            Assert.Contains("\"test\": 1", await BareRepo.ShowAsync(world.ZooRepo(), $"models/{name}/aliases.json"));
        }
        Assert.Equal(2, await BareRepo.CommitCountAsync(world.ZooRepo())); // the publish, then the three aliases
        Assert.StartsWith("zoo: set 3 aliases", await BareRepo.GitAsync(world.ZooRepo(), "log", "-1", "--format=%s", "main"),
            StringComparison.Ordinal);

        // The batch commit is UpdateGitOps' own, not a pin set by hand: beta's next version is pinned.
        await world.SeedPackagedAsync("beta", variant: 2);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "push")).ExitCode);
        var again = await Modelpipe.RunAsync(world.Root, "gitops");

        Assert.True(again.ExitCode == 0, again.All);
        Assert.DoesNotContain("left test alone", again.All, StringComparison.Ordinal);
        Assert.Equal(2, await BareRepo.CommitCountAsync(world.GitOpsRepo()));
        Assert.StartsWith("test: deploy beta v2 (", await BareRepo.GitAsync(world.GitOpsRepo(), "log", "-1", "--format=%s", "main"),
            StringComparison.Ordinal);
        Assert.Contains("model_version: 2", await BareRepo.ShowAsync(world.GitOpsRepo(), "test/beta/config.yaml"));
        Assert.Contains("model_version: 1", await BareRepo.ShowAsync(world.GitOpsRepo(), "test/alpha/config.yaml"));
    }
}
