using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.GitOps;

public sealed class SyncAliasesTests
{
    [Fact]
    public async Task Sync_aliases_moves_the_zoo_prod_alias_when_a_promotion_is_merged()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "gitops")).ExitCode);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "pr")).ExitCode);
        // The release manager merges the promotion branch on the GitOps repository.
        await BareRepo.GitAsync(world.GitOpsRepo(), "update-ref", "refs/heads/main", "refs/heads/promote/iris-v1");

        var run = await Modelpipe.RunAsync(world.Root, "sync-aliases");

        Assert.True(run.ExitCode == 0, run.All);
        var aliases = await BareRepo.GitAsync(world.ZooRepo(), "show", "main:models/iris/aliases.json");
        Assert.Contains("\"prod\": 1", aliases, StringComparison.Ordinal);
        Assert.Contains("\"test\": 1", aliases, StringComparison.Ordinal);
        Assert.Contains("prod -> v1 (prod/iris/config.yaml)", run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Re_running_sync_aliases_changes_nothing_in_the_zoo()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "gitops")).ExitCode);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "sync-aliases")).ExitCode);
        var commits = await BareRepo.CommitCountAsync(world.ZooRepo());

        var run = await Modelpipe.RunAsync(world.Root, "sync-aliases", "--json");

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("\"result\": \"skipped\"", run.StdOut, StringComparison.Ordinal);
        Assert.Equal(commits, await BareRepo.CommitCountAsync(world.ZooRepo()));
    }

    [Fact]
    public async Task A_deployed_version_the_zoo_does_not_have_fails_that_alias_with_a_clear_message()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "gitops")).ExitCode);
        var clone = Path.Combine(world.Root, "edit");
        await BareRepo.GitAsync(world.Root, "clone", "--quiet", world.GitOpsRepo(), clone);
        var path = Path.Combine(clone, "test", "iris", "config.yaml");
        await File.WriteAllTextAsync(path, (await File.ReadAllTextAsync(path)).Replace("model_version: 1", "model_version: 9", StringComparison.Ordinal));
        await BareRepo.GitAsync(clone, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-am", "hand edit");
        await BareRepo.GitAsync(clone, "push", "--quiet", "origin", "HEAD:main");

        var run = await Modelpipe.RunAsync(world.Root, "sync-aliases");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("model 'iris' has no version v9 (it has v1)", run.All, StringComparison.Ordinal);
    }
}
