using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;
using static ModelPipeline.Tests.GitOps.Operators;

namespace ModelPipeline.Tests.Zoo;

/// <summary>models show and resolve tell where each version runs; promote names a version that does not exist.</summary>
public sealed class ModelShowTests
{
    [Fact]
    public async Task Show_lists_the_environments_of_each_version_and_a_latest_version_never_in_test()
    {
        using var world = new TestWorld();
        await DeployToProdAsync(world, 1);
        await world.PublishAsync("iris", 2);

        var show = await RunOkAsync(world, "models", "show", "iris");

        Assert.Contains("v1\ttest, prod\t", show.StdOut, StringComparison.Ordinal);
        Assert.Contains("v2\tlatest (never in test)\t", show.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("superseded", show.StdOut, StringComparison.Ordinal);

        await RunOkAsync(world, "gitops", "--model", "iris");
        var tested = await RunOkAsync(world, "models", "show", "iris", "--json");

        Assert.Contains("\"label\": \"test, latest\"", tested.StdOut, StringComparison.Ordinal);
        Assert.Contains("\"label\": \"prod\"", tested.StdOut, StringComparison.Ordinal);
        Assert.Contains("\"neverInTest\": false", tested.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_without_a_reference_takes_prod_and_says_so()
    {
        using var world = new TestWorld();
        await DeployToProdAsync(world, 1);
        await DeployAsync(world, 2);

        var run = await RunOkAsync(world, "models", "resolve", "iris");

        Assert.StartsWith($"v1\tregistry.example.test/models/iris@{PublishedModels.Digest(1)}", run.StdOut, StringComparison.Ordinal);
        Assert.Single(run.StdOut.Trim().Split('\n'));
        Assert.Contains("iris: no reference given; resolved iris@prod (v1)", run.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_without_a_reference_exits_2_when_nothing_is_in_prod()
    {
        using var world = new TestWorld();
        await DeployAsync(world, 1);

        var run = await RunAsync(world, "models", "resolve", "iris");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("iris has no prod alias yet (NAME alone means NAME@prod; aliases: latest=v1, test=v1)", run.StdErr, StringComparison.Ordinal);
        Assert.Contains("Fix: name the version you want: iris@test, iris@latest", run.StdErr, StringComparison.Ordinal);
        Assert.Equal("", run.StdOut);
    }

    [Fact]
    public async Task Promote_of_a_version_that_does_not_exist_says_so_and_exits_2()
    {
        using var world = new TestWorld();
        await DeployAsync(world, 1);
        await world.PublishAsync("iris", 2);
        var refs = await BareRepo.GitAsync(world.GitOpsRepo(), "show-ref");

        var run = await RunAsync(world, "promote", "--model", "iris", "--version", "9");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--version 9: model 'iris' has no version v9; the zoo", run.StdErr, StringComparison.Ordinal);
        Assert.Contains("has v1, v2. Fix: pick an existing version that ran in test (modelpipe models show iris), e.g. --version 1.", run.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("never deployed to test", run.StdErr, StringComparison.Ordinal);
        Assert.Equal(refs, await BareRepo.GitAsync(world.GitOpsRepo(), "show-ref"));
    }
}
