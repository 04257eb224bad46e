using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.GitOps;

/// <summary>OpenPr and Promote on the embedded default (the local forge and the sandbox GitOps repository).</summary>
public sealed class PromotionTests
{
    private static async Task Deploy(TestWorld world, int version, double accuracy = 0.95)
    {
        await world.PublishAsync("iris", version, accuracy: accuracy);
        var run = await Modelpipe.RunAsync(world.Root, "gitops", "--model", "iris");
        Assert.True(run.ExitCode == 0, run.All);
    }

    private static string PromotionDir(TestWorld world, int version) => Path.Combine(world.ArtifactsDir, "iris", "promotions", $"v{version}");

    private static async Task MergeIntoMain(TestWorld world, string branch)
    {
        await BareRepo.GitAsync(world.GitOpsRepo(), "update-ref", "refs/heads/main", $"refs/heads/{branch}");
        await BareRepo.GitAsync(world.GitOpsRepo(), "branch", "-D", branch);
    }

    [Fact]
    public async Task Open_pr_on_the_local_forge_pushes_a_promotion_branch_and_writes_the_pull_request_text()
    {
        using var world = new TestWorld();
        await Deploy(world, 1);

        var run = await Modelpipe.RunAsync(world.Root, "pr", "--model", "iris");

        Assert.True(run.ExitCode == 0, run.All);
        var prod = await BareRepo.GitAsync(world.GitOpsRepo(), "show", "promote/iris-v1:prod/iris/config.yaml");
        Assert.Equal(UpdateGitOpsTests.ExpectedIrisTestConfig.Replace("environment: test", "environment: prod", StringComparison.Ordinal), prod);
        Assert.Equal("", await BareRepo.GitAsync(world.GitOpsRepo(), "ls-tree", "--name-only", "main", "prod/"));
        var body = await File.ReadAllTextAsync(Path.Combine(PromotionDir(world, 1), "pull-request.md"));
        Assert.StartsWith("# Promote iris v1 to prod (sha256:bbbbbbbbbbbb)", body, StringComparison.Ordinal);
        Assert.Contains("| accuracy | n/a | 0.95 | n/a |", body, StringComparison.Ordinal);
        Assert.Contains("+environment: prod", body, StringComparison.Ordinal);
        Assert.Contains("Zoo entry: `models/iris/v1/`", body, StringComparison.Ordinal);
        var requestPull = await File.ReadAllTextAsync(Path.Combine(PromotionDir(world, 1), "request-pull.txt"));
        Assert.Contains("promote/iris-v1", requestPull, StringComparison.Ordinal);
        Assert.Contains("prod/iris/config.yaml", requestPull, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(PromotionDir(world, 1), "pull-request.md"), run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Re_running_update_gitops_and_open_pr_changes_nothing_and_opens_nothing()
    {
        using var world = new TestWorld();
        await Deploy(world, 1);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "pr")).ExitCode);
        var refs = await BareRepo.GitAsync(world.GitOpsRepo(), "show-ref");
        var body = Path.Combine(PromotionDir(world, 1), "pull-request.md");
        var written = File.GetLastWriteTimeUtc(body);

        var gitops = await Modelpipe.RunAsync(world.Root, "gitops", "--json");
        var pr = await Modelpipe.RunAsync(world.Root, "pr", "--json");

        Assert.True(pr.ExitCode == 0, pr.All);
        Assert.Contains("\"result\": \"skipped\"", gitops.StdOut, StringComparison.Ordinal);
        Assert.Contains("\"action\": \"pin-unchanged\"", pr.StdOut, StringComparison.Ordinal);
        Assert.Contains("test pin unchanged in this run", pr.All, StringComparison.Ordinal);
        Assert.Equal(refs, await BareRepo.GitAsync(world.GitOpsRepo(), "show-ref"));
        Assert.Equal(written, File.GetLastWriteTimeUtc(body));
    }

    [Fact]
    public async Task When_prod_already_pins_the_tested_digest_there_is_no_branch_and_no_pull_request()
    {
        using var world = new TestWorld();
        await Deploy(world, 1);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "pr")).ExitCode);
        await MergeIntoMain(world, "promote/iris-v1");
        Directory.Delete(PromotionDir(world, 1), recursive: true);

        var run = await Modelpipe.RunAsync(world.Root, "promote", "--model", "iris", "--version", "1", "--json");

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("\"action\": \"nothing-to-do\"", run.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("promote/", await BareRepo.GitAsync(world.GitOpsRepo(), "branch", "--list"), StringComparison.Ordinal);
        Assert.False(Directory.Exists(PromotionDir(world, 1)));
    }

    [Fact]
    public async Task The_pull_request_compares_metrics_with_the_version_in_prod()
    {
        using var world = new TestWorld();
        await Deploy(world, 1, accuracy: 0.9);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "pr")).ExitCode);
        await MergeIntoMain(world, "promote/iris-v1");
        await Deploy(world, 2, accuracy: 0.95);

        var run = await Modelpipe.RunAsync(world.Root, "pr");

        Assert.True(run.ExitCode == 0, run.All);
        var body = await File.ReadAllTextAsync(Path.Combine(PromotionDir(world, 2), "pull-request.md"));
        Assert.Contains("| metric | prod v1 | v2 | delta |", body, StringComparison.Ordinal);
        Assert.Contains("| accuracy | 0.9 | 0.95 | +0.05 |", body, StringComparison.Ordinal);
        Assert.Contains("| log_loss | 0.2 | 0.2 | 0 |", body, StringComparison.Ordinal);
        Assert.Contains("-model_version: 1", body, StringComparison.Ordinal);
        Assert.Contains("+model_version: 2", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promote_opens_the_pull_request_for_an_older_tested_version()
    {
        using var world = new TestWorld();
        await Deploy(world, 1);
        await Deploy(world, 2);

        var run = await Modelpipe.RunAsync(world.Root, "promote", "--model", "iris", "--version", "1");

        Assert.True(run.ExitCode == 0, run.All);
        var prod = await BareRepo.GitAsync(world.GitOpsRepo(), "show", "promote/iris-v1:prod/iris/config.yaml");
        Assert.Contains("image_digest: " + PublishedModels.Digest(1), prod, StringComparison.Ordinal);
        Assert.Contains("environment: prod", prod, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(PromotionDir(world, 1), "pull-request.md")));
    }

    [Fact]
    public async Task Promote_of_a_version_never_deployed_to_test_is_refused_and_pushes_nothing()
    {
        using var world = new TestWorld();
        await Deploy(world, 1);
        await world.PublishAsync("iris", 2); // published, never deployed to test
        var refs = await BareRepo.GitAsync(world.GitOpsRepo(), "show-ref");

        var run = await Modelpipe.RunAsync(world.Root, "promote", "--model", "iris", "--version", "2");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("model 'iris' v2 was never deployed to test", run.All, StringComparison.Ordinal);
        Assert.Contains("versions deployed to test: v1", run.All, StringComparison.Ordinal);
        Assert.Contains("Fix:", run.All, StringComparison.Ordinal);
        Assert.Equal(refs, await BareRepo.GitAsync(world.GitOpsRepo(), "show-ref"));
        Assert.False(Directory.Exists(Path.Combine(world.ArtifactsDir, "iris", "promotions")));
    }

    [Fact]
    public async Task Promote_ignores_this_workspace_s_run_state_and_refuses_a_version_the_zoo_has_no_record_of()
    {
        using var world = new TestWorld();
        await Deploy(world, 1);
        await world.PublishAsync("iris", 1, passed: false); // a failing local report: not what decides
        var empty = await BareRepo.CreateAsync(Path.Combine(world.Root, "other-zoo.git"));
        world.SetSection("zoo", $$"""{ "url": "{{empty}}", "mirrors": [] }""");
        var refs = await BareRepo.GitAsync(world.GitOpsRepo(), "show-ref");

        var run = await Modelpipe.RunAsync(world.Root, "promote", "--model", "iris", "--version", "1");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("model 'iris' v1 has no published record in the zoo", run.All, StringComparison.Ordinal);
        Assert.Contains("refusing to promote it", run.All, StringComparison.Ordinal);
        Assert.Contains("Fix:", run.All, StringComparison.Ordinal);
        Assert.Equal(refs, await BareRepo.GitAsync(world.GitOpsRepo(), "show-ref"));
        Assert.False(Directory.Exists(Path.Combine(world.ArtifactsDir, "iris", "promotions")));
    }

    [Fact]
    public async Task Promote_without_a_version_is_a_usage_error()
    {
        using var world = new TestWorld();
        world.CopyModel("iris");

        var run = await Modelpipe.RunAsync(world.Root, "promote", "--model", "iris");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--version", run.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(world.GitOpsRepo()));
    }
}
