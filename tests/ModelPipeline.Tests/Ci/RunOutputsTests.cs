using ModelPipeline.Ci;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Ci;

/// <summary>`modelpipe ci outputs`: the run state as GitHub step outputs, a GitLab dotenv report or Tekton results.</summary>
public sealed class RunOutputsTests
{
    private static void Seed(TestWorld world, string model, string key, int version, string? prUrl)
    {
        var run = Path.Combine(world.ArtifactsDir, model, "runs", key);
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(world.ArtifactsDir, model, "current.json"), $$"""{ "trainingKey": "{{key}}" }""");
        File.WriteAllText(Path.Combine(run, "package.json"), $$"""{ "digest": "sha256:{{new string('a', 64)}}" }""");
        File.WriteAllText(Path.Combine(run, "zoo.json"), $$"""{ "version": {{version}} }""");
        if (prUrl is null) return;
        Directory.CreateDirectory(Path.Combine(world.ArtifactsDir, model, "promotions", $"v{version}"));
        File.WriteAllText(Path.Combine(world.ArtifactsDir, model, "promotions", $"v{version}", "pr.json"), $$"""{ "url": "{{prUrl}}" }""");
    }

    [Fact]
    public async Task Outputs_are_github_step_outputs_and_a_gitlab_dotenv_report()
    {
        using var world = new TestWorld();
        Seed(world, "iris", "k1", 3, "https://github.example.test/org/gitops/pull/7");
        Seed(world, "wine", "k2", 1, null);

        var github = await Modelpipe.RunAsync(world.Root, "ci", "outputs", "--format", "github");
        var dotenv = await Modelpipe.RunAsync(world.Root, "ci", "outputs", "--format", "dotenv", "--model", "wine");

        Assert.Equal(0, github.ExitCode);
        Assert.Equal(
            $"image-digest=iris=sha256:{new string('a', 64)} wine=sha256:{new string('a', 64)}\nzoo-version=iris=v3 wine=v1\npr-url=iris=https://github.example.test/org/gitops/pull/7\n",
            github.StdOut);
        Assert.Equal($"IMAGE_DIGEST=wine=sha256:{new string('a', 64)}\nZOO_VERSION=wine=v1\nPR_URL=\n", dotenv.StdOut);
    }

    [Fact]
    public async Task Tekton_results_stay_within_the_cap_so_a_task_fits_the_termination_message()
    {
        using var world = new TestWorld();
        for (var i = 0; i < 40; i++) Seed(world, $"model-{i:D2}", $"k{i}", i + 1, null);
        var results = Path.Combine(world.Root, "results");

        var result = await Modelpipe.RunAsync(world.Root, "ci", "outputs", "--format", "tekton", "--max-bytes", TektonResources.ResultMaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--to", results);

        Assert.Equal(0, result.ExitCode);
        var digests = File.ReadAllText(Path.Combine(results, "image-digest"));
        Assert.True(digests.Length <= TektonResources.ResultMaxBytes, $"{digests.Length} bytes");
        Assert.StartsWith("model-00=sha256:", digests, StringComparison.Ordinal);
        Assert.Matches(@"\(\+\d+ more in artifacts/\)$", digests);
        Assert.Equal("", File.ReadAllText(Path.Combine(results, "pr-url")));
        // All results of one Task, with Tekton's JSON framing per result, stay under its 4096-byte termination message.
        Assert.True(TektonResources.Results.Length * (TektonResources.ResultMaxBytes + 64) < 4096);
    }

    [Fact]
    public async Task Tekton_format_without_a_results_folder_is_a_usage_error()
    {
        using var world = new TestWorld();

        var result = await Modelpipe.RunAsync(world.Root, "ci", "outputs", "--format", "tekton");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--format tekton needs --to DIR", result.StdErr, StringComparison.Ordinal);
        Assert.Equal(["pipeline.json"], world.Files());
    }

    [Theory]
    [InlineData("a=1 b=2 c=3", 100, "a=1 b=2 c=3")]
    [InlineData("aaaaaaaaaa=1 bbbbbbbbbb=2 cccccccccc=3", 36, "aaaaaaaaaa=1 (+2 more in artifacts/)")]
    public void Capping_keeps_whole_entries_and_counts_the_rest(string value, int max, string expected) =>
        Assert.Equal(expected, RunOutputs.Cap(value, max));
}
