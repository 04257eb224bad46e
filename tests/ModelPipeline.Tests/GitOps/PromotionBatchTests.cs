using ModelPipeline.Tests.Incremental;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.GitOps;

/// <summary>
/// OpenPr over many models: every promotion branch goes to the GitOps repository in one push, a branch the
/// remote refuses fails only its own model, and a run killed mid-way is healed by the next one. Real git,
/// with hooks in the sandbox GitOps repository.
/// </summary>
public sealed class PromotionBatchTests
{
    private static readonly string[] Models = ["m1", "m2", "m3", "m4", "m5"];

    /// <summary>Five copies of iris, published and pinned in test (one GitOps commit): ready for OpenPr.</summary>
    private static async Task<TestWorld> DeployedAsync()
    {
        var world = new TestWorld();
        foreach (var m in Models) TouchOnlyWhatChangedTests.CopyIrisAs(world, m);
        foreach (var m in Models) await world.PublishAsync(m, 1);
        var gitops = await Modelpipe.RunAsync(world.Root, "gitops");
        Assert.True(gitops.ExitCode == 0, gitops.All);
        return world;
    }

    private static void Hook(TestWorld world, string name, string body)
    {
        var path = Path.Combine(world.GitOpsRepo(), "hooks", name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static async Task<string[]> BranchesAsync(TestWorld world) =>
        (await BareRepo.GitAsync(world.GitOpsRepo(), "for-each-ref", "--format=%(refname:short)", "refs/heads/promote"))
        .Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string PullRequest(TestWorld world, string model) =>
        Path.Combine(world.ArtifactsDir, model, "promotions", "v1", "pull-request.md");

    [Fact]
    public async Task Open_pr_for_five_models_pushes_every_promotion_branch_in_one_push_forked_from_main()
    {
        using var world = await DeployedAsync();
        var pushes = Path.Combine(world.Root, "pushes.log");
        Hook(world, "post-receive", $"cat >/dev/null; echo push >> '{pushes}'");
        var main = await BareRepo.TipAsync(world.GitOpsRepo());

        var run = await Modelpipe.RunAsync(world.Root, "pr", "--json");

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal(["push"], File.ReadAllLines(pushes));
        Assert.Equal(Models.Select(m => $"promote/{m}-v1"), await BranchesAsync(world));
        foreach (var m in Models)
        {
            var branch = $"promote/{m}-v1";
            Assert.Equal(main, (await BareRepo.GitAsync(world.GitOpsRepo(), "rev-parse", branch + "^")).Trim());
            Assert.Equal($"prod/{m}/config.yaml",
                (await BareRepo.GitAsync(world.GitOpsRepo(), "diff", "--name-only", "main", branch)).Trim());
            var prod = await BareRepo.ShowAsync(world.GitOpsRepo(), $"prod/{m}/config.yaml", branch);
            Assert.Contains("environment: prod", prod, StringComparison.Ordinal);
            var body = await File.ReadAllTextAsync(PullRequest(world, m));
            Assert.Contains("+environment: prod", body, StringComparison.Ordinal);
        }
        Assert.Equal(5, run.StdOut.Split("\"action\": \"created\"").Length - 1);
    }

    [Fact]
    public async Task A_branch_the_remote_refuses_fails_only_its_own_model_and_is_proposed_by_the_next_run()
    {
        using var world = await DeployedAsync();
        // A pre-receive hook refuses the whole push when it holds m3's branch: the others must still get through.
        Hook(world, "pre-receive", """
            while read old new ref; do
              if [ "$ref" = refs/heads/promote/m3-v1 ]; then echo "m3 is not welcome" >&2; exit 1; fi
            done
            exit 0
            """);

        var run = await Modelpipe.RunAsync(world.Root, "pr", "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("refused the branch promote/m3-v1", run.All, StringComparison.Ordinal);
        Assert.Equal(["promote/m1-v1", "promote/m2-v1", "promote/m4-v1", "promote/m5-v1"], await BranchesAsync(world));
        Assert.False(File.Exists(PullRequest(world, "m3")));
        foreach (var m in Models.Where(m => m != "m3")) Assert.True(File.Exists(PullRequest(world, m)), m);
        Assert.Equal(4, run.StdOut.Split("\"action\": \"created\"").Length - 1);

        File.Delete(Path.Combine(world.GitOpsRepo(), "hooks", "pre-receive"));
        var again = await Modelpipe.RunAsync(world.Root, "pr", "--json");

        Assert.True(again.ExitCode == 0, again.All);
        Assert.Equal(Models.Select(m => $"promote/{m}-v1"), await BranchesAsync(world));
        Assert.True(File.Exists(PullRequest(world, "m3")));
        Assert.Equal(4, again.StdOut.Split("\"action\": \"pin-unchanged\"").Length - 1);
    }

    [Fact]
    public async Task Open_pr_killed_after_its_push_is_healed_by_the_next_run_without_pushing_again()
    {
        using var world = await DeployedAsync();
        // SIGKILL when the pushed branches are recorded in the clone: the remote has them, no pull request exists.
        var kill = new KillAtGit(world, "update-ref --stdin", "gitops-clones");
        var killed = await Modelpipe.RunAsync(world.Root, ["pr"], kill.Armed());
        Assert.True(kill.Fired, killed.All);
        Assert.NotEqual(0, killed.ExitCode);
        var pushed = await BareRepo.GitAsync(world.GitOpsRepo(), "for-each-ref", "refs/heads/promote");
        Assert.Equal(5, pushed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.All(Models, m => Assert.False(File.Exists(PullRequest(world, m))));
        var pushes = Path.Combine(world.Root, "pushes.log");
        Hook(world, "post-receive", $"cat >/dev/null; echo push >> '{pushes}'");

        var run = await Modelpipe.RunAsync(world.Root, "pr", "--json");

        Assert.True(run.ExitCode == 0, run.All);
        Assert.False(File.Exists(pushes)); // the branches already carried the change: reused, not pushed again
        Assert.Equal(pushed, await BareRepo.GitAsync(world.GitOpsRepo(), "for-each-ref", "refs/heads/promote"));
        Assert.All(Models, m => Assert.True(File.Exists(PullRequest(world, m)), m));
        Assert.Equal(5, run.StdOut.Split("\"pushed\": false").Length - 1);
        var clone = Directory.GetDirectories(Path.Combine(world.Root, ".pipeline", "cache", "gitops-clones")).Single();
        Assert.Equal("", await BareRepo.GitAsync(clone, "for-each-ref", "refs/modelpipe"));
    }
}
