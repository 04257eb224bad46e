using System.Text.RegularExpressions;
using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Reporting;

/// <summary>
/// <c>modelpipe report</c> over an existing report keeps the pages of models whose inputs did not change, unread
/// (<c>.modelpipe-pages.json</c>): what it leaves is byte for byte what a report built from scratch writes.
/// </summary>
public sealed partial class ReportMemoTests
{
    private static string Stamp(string path)
    {
        var (code, output) = Tools.Run("stat", "-c", "%i %.9Y", path);
        Assert.Equal(0, code);
        return output.Trim();
    }

    [GeneratedRegex("<footer><p>Generated <time[^\n]*")]
    private static partial Regex GeneratedAt();

    /// <summary>Every page of <paramref name="site"/> equals the one a new report writes to another folder now; the
    /// index and the run list only up to the time they name.</summary>
    private static async Task AssertAsBuiltFromScratchAsync(TestWorld world, string site, params string[] args)
    {
        var scratch = Path.Combine(world.Root, "scratch-" + Guid.NewGuid().ToString("N"));
        var fresh = await Modelpipe.RunAsync(world.Root, ["report", .. args, "--out", scratch]);
        Assert.True(fresh.ExitCode == 0, fresh.All);
        static string[] Pages(string dir) => [.. Directory.GetFiles(dir, "*.html", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f)).Order(StringComparer.Ordinal)];
        Assert.Equal(Pages(scratch), Pages(site));
        foreach (var page in Pages(scratch))
        {
            var expected = File.ReadAllText(Path.Combine(scratch, page));
            var actual = File.ReadAllText(Path.Combine(site, page));
            if (page is "index.html" or "runs.html")
                (expected, actual) = (GeneratedAt().Replace(expected, ""), GeneratedAt().Replace(actual, ""));
            Assert.True(expected == actual, $"{page} differs from the one a new report writes");
        }
    }

    private static async Task CommitAsync(string tree, string zoo, string message)
    {
        await BareRepo.GitAsync(tree, "add", "-A");
        await BareRepo.GitAsync(tree, "-c", "user.name=t", "-c", "user.email=t@example.com",
            "commit", "--quiet", "-m", message);
        await BareRepo.GitAsync(tree, "push", "--quiet", zoo, "HEAD:main");
    }

    [Fact]
    public async Task A_report_updated_after_zoo_changes_equals_one_built_from_scratch_and_reads_only_what_changed()
    {
        using var world = new TestWorld();
        var zoo = await ReportCommandTests.GitZooAsync(world);
        var first = await Modelpipe.RunAsync(world.Root, "report", "--zoo", zoo);
        Assert.True(first.ExitCode == 0, first.All);
        var site = Path.Combine(world.ArtifactsDir, "report");
        Assert.True(File.Exists(Path.Combine(site, ".modelpipe-pages.json")));
        string Page(string model) => Path.Combine(site, "models", model + ".html");
        var alpha = Stamp(Page("alpha"));

        // beta gets a version, gamma an alias (its index row changes too).
        var tree = Path.Combine(world.Root, "zoo-tree");
        var specs = ReportRenderingTests.Zoo();
        var beta = specs.Single(s => s.Name == "beta");
        var gamma = specs.Single(s => s.Name == "gamma");
        GeneratedZoo.Write(tree, beta with { Versions = beta.Versions + 1 },
            gamma with { Aliases = new Dictionary<string, int> { ["canary"] = gamma.Versions } });
        await CommitAsync(tree, zoo, "beta and gamma");

        var again = await Modelpipe.RunAsync(world.Root, "report", "--zoo", zoo);

        Assert.True(again.ExitCode == 0, again.All);
        Assert.Equal(alpha, Stamp(Page("alpha"))); // kept, not drawn
        var row = ReportRenderingTests.IndexRow(File.ReadAllText(Path.Combine(site, "index.html")), "gamma");
        Assert.Contains("canary", row, StringComparison.Ordinal);
        await AssertAsBuiltFromScratchAsync(world, site, "--zoo", zoo);

        // A page the memo vouches for but that is gone is drawn again; so is every page after a damaged memo.
        File.Delete(Page("alpha"));
        File.WriteAllText(Path.Combine(site, ".modelpipe-pages.json"), "{ not json");
        var third = await Modelpipe.RunAsync(world.Root, "report", "--zoo", zoo);
        Assert.True(third.ExitCode == 0, third.All);
        Assert.True(File.Exists(Page("alpha")));
        await AssertAsBuiltFromScratchAsync(world, site, "--zoo", zoo);

        // --archived draws every page again with the archived versions (the switch is one of the inputs).
        var archived = await Modelpipe.RunAsync(world.Root, "report", "--zoo", zoo, "--archived");
        Assert.True(archived.ExitCode == 0, archived.All);
        await AssertAsBuiltFromScratchAsync(world, site, "--zoo", zoo, "--archived");
    }

    [Fact]
    public async Task A_page_is_drawn_again_when_the_run_state_validation_it_shows_appears()
    {
        using var world = new TestWorld();
        var tree = Path.Combine(world.Root, "zoo-tree");
        GeneratedZoo.Write(tree, new GeneratedZoo.Spec("delta", 1) { Validation = false },
            new GeneratedZoo.Spec("eps", 1));
        await BareRepo.GitAsync(world.Root, "init", "--quiet", "--initial-branch", "main", tree);
        var zoo = Path.Combine(world.Root, "zoo.git");
        await BareRepo.GitAsync(world.Root, "init", "--bare", "--quiet", "--initial-branch", "main", zoo);
        await CommitAsync(tree, zoo, "zoo");
        var first = await Modelpipe.RunAsync(world.Root, "report", "--zoo", zoo);
        Assert.True(first.ExitCode == 0, first.All);
        var page = Path.Combine(world.ArtifactsDir, "report", "models", "delta.html");
        Assert.DoesNotContain("failed (1)", File.ReadAllText(page), StringComparison.Ordinal);

        // This workspace validates the same training key: the page shows the run state's verdict.
        var dir = Path.Combine(world.ArtifactsDir, "delta", "runs", GeneratedZoo.Key("delta", 1));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "validate.json"), $$"""
            { "model": "delta", "trainingKey": "{{GeneratedZoo.Key("delta", 1)}}", "passed": false,
              "checks": [ { "name": "onnx-smoke", "passed": false, "detail": "no output" } ], "manifest": [] }
            """);
        var again = await Modelpipe.RunAsync(world.Root, "report", "--zoo", zoo);

        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("failed (1)", File.ReadAllText(page), StringComparison.Ordinal);
        await AssertAsBuiltFromScratchAsync(world, Path.Combine(world.ArtifactsDir, "report"), "--zoo", zoo);
    }

    [Fact]
    public async Task A_promotion_merged_in_the_GitOps_repository_alone_is_drawn_on_the_kept_page()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        var gitops = await Modelpipe.RunAsync(world.Root, "gitops", "--model", "iris");
        Assert.True(gitops.ExitCode == 0, gitops.All);
        var first = await Modelpipe.RunAsync(world.Root, "report");
        Assert.True(first.ExitCode == 0, first.All);
        var site = Path.Combine(world.ArtifactsDir, "report");
        var page = Path.Combine(site, "models", "iris.html");
        Assert.Contains("Never deployed to prod.", File.ReadAllText(page), StringComparison.Ordinal);

        // The promotion's branch is fast-forwarded into the GitOps branch; the zoo does not change.
        var pr = await Modelpipe.RunAsync(world.Root, "pr", "--model", "iris");
        Assert.True(pr.ExitCode == 0, pr.All);
        await BareRepo.GitAsync(world.GitOpsRepo(), "update-ref", "refs/heads/main", "refs/heads/promote/iris-v1");
        var again = await Modelpipe.RunAsync(world.Root, "report");

        Assert.True(again.ExitCode == 0, again.All);
        Assert.DoesNotContain("Never deployed to prod.", File.ReadAllText(page), StringComparison.Ordinal);
        await AssertAsBuiltFromScratchAsync(world, site);
    }
}
