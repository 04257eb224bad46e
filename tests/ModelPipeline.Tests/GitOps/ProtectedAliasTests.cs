using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.GitOps;

/// <summary>The zoo's protected aliases (policy.json; prod by default) against a real zoo and GitOps repository.</summary>
public sealed class ProtectedAliasTests
{
    /// <summary>v1 promoted and merged (prod = v1 by SyncAliases), v2 deployed to test.</summary>
    private static async Task<TestWorld> PromotedAsync()
    {
        var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "gitops")).ExitCode);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "pr")).ExitCode);
        await BareRepo.GitAsync(world.GitOpsRepo(), "update-ref", "refs/heads/main", "refs/heads/promote/iris-v1");
        var sync = await Modelpipe.RunAsync(world.Root, "sync-aliases");
        Assert.True(sync.ExitCode == 0, sync.All);
        await world.PublishAsync("iris", 2);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "gitops")).ExitCode);
        return world;
    }

    [Fact]
    public async Task Moving_prod_by_hand_is_refused_with_how_to_promote_and_makes_no_commit()
    {
        using var world = await PromotedAsync();
        var tip = await BareRepo.TipAsync(world.ZooRepo());

        var run = await Modelpipe.RunAsync(world.Root, "models", "alias", "iris", "prod", "v2");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("alias 'prod' is protected by the zoo's policy.json (only SyncAliases moves it", run.StdErr, StringComparison.Ordinal);
        Assert.Contains("Fix: promote it: ./build.sh Promote --model iris --version 2", run.StdErr, StringComparison.Ordinal);
        Assert.Equal(tip, await BareRepo.TipAsync(world.ZooRepo()));
        // The path that may move it did, and said so in its commit.
        var moved = await BareRepo.GitAsync(world.ZooRepo(), "log", "-1", "--format=%B", "-Gprod", "main", "--", "models/iris/aliases.json");
        Assert.Contains("Moved-by: sync-aliases", moved, StringComparison.Ordinal);
        // Other aliases stay free.
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "models", "alias", "iris", "staging", "v2")).ExitCode);
    }

    [Fact]
    public async Task A_raw_git_move_of_prod_is_flagged_by_verify_naming_the_commit_that_moved_it()
    {
        using var world = await PromotedAsync();
        // (These stand-in images have no registry tags, which verify also reports: only prod's line matters here.)
        var before = await Modelpipe.RunAsync(world.Root, "models", "verify");
        Assert.DoesNotContain("protected alias", before.All, StringComparison.Ordinal);

        // Someone with push access edits aliases.json (and the derived indexes, so they stay consistent).
        var commit = await ZooEdit.CommitAsync(world.ZooRepo(), world.Root, "point prod at v2", work =>
        {
            var path = Path.Combine(work, "models", "iris", "aliases.json");
            File.WriteAllText(path, File.ReadAllText(path).Replace("\"prod\": 1", "\"prod\": 2", StringComparison.Ordinal));
            ModelPipeline.Zoo.ZooIndexer.Write(work, "iris");
        });

        var verify = await Modelpipe.RunAsync(world.Root, "models", "verify");

        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("models/iris/aliases.json: protected alias prod points to v2, but the GitOps repository's main deploys v1 "
            + "(prod/iris/config.yaml)", verify.StdErr, StringComparison.Ordinal);
        Assert.Contains($"moved by commit {commit} by t <t@t> ('point prod at v2'; Moved-by: no Moved-by trailer", verify.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("index.json", verify.StdErr, StringComparison.Ordinal);

        // SyncAliases puts it back on what GitOps deploys; verify agrees again.
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "sync-aliases")).ExitCode);
        var after = await Modelpipe.RunAsync(world.Root, "models", "verify");
        Assert.DoesNotContain("protected alias", after.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_policy_that_protects_nothing_lets_prod_move_by_hand_and_a_bad_policy_exits_2()
    {
        using var world = await PromotedAsync();
        await ZooEdit.WritePolicyAsync(world.ZooRepo(), world.Root, ZooEdit.NothingProtected);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "models", "alias", "iris", "prod", "v2")).ExitCode);

        await ZooEdit.WritePolicyAsync(world.ZooRepo(), world.Root, """{ "protectedAliases": { "staging": "sync-aliases" } }""");
        var run = await Modelpipe.RunAsync(world.Root, "models", "alias", "iris", "staging", "v1");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("$.protectedAliases.staging: only the GitOps environments (test, prod) can be protected", run.StdErr, StringComparison.Ordinal);
        Assert.Contains("Fix:", run.StdErr, StringComparison.Ordinal);
    }
}
