using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Reporting;

/// <summary><c>modelpipe report</c> over an existing report: only the pages whose inputs changed are written.</summary>
public sealed class IncrementalReportTests
{
    private static readonly string[] Models = ["alpha", "beta", "gamma"];

    /// <summary>A page's inode and modification time (nanoseconds): both stay when the file is not written.</summary>
    private static string Stamp(string path)
    {
        var (code, output) = Tools.Run("stat", "-c", "%i %.9Y", path);
        Assert.Equal(0, code);
        return output.Trim();
    }

    [Fact]
    public async Task A_report_again_rewrites_only_the_page_of_the_model_that_changed_and_the_index()
    {
        using var world = new TestWorld();
        var zoo = await ReportCommandTests.GitZooAsync(world);
        var first = await Modelpipe.RunAsync(world.Root, "report", "--zoo", zoo);
        Assert.True(first.ExitCode == 0, first.All);
        var site = Path.Combine(world.ArtifactsDir, "report");
        string Page(string model) => Path.Combine(site, "models", model + ".html");
        var before = Models.ToDictionary(m => m, m => Stamp(Page(m)));
        Assert.DoesNotContain("at <code", File.ReadAllText(Page("alpha")), StringComparison.Ordinal); // no zoo commit

        // The zoo gets a new commit that changes beta only.
        var tree = Path.Combine(world.Root, "zoo-tree");
        var specs = ReportRenderingTests.Zoo();
        var beta = specs.Single(s => s.Name == "beta");
        GeneratedZoo.Write(tree, beta with { Versions = beta.Versions + 1 });
        await BareRepo.GitAsync(tree, "add", "-A");
        await BareRepo.GitAsync(tree, "-c", "user.name=t", "-c", "user.email=t@example.com",
            "commit", "--quiet", "-m", "beta");
        await BareRepo.GitAsync(tree, "push", "--quiet", zoo, "HEAD:main");
        var commit = (await BareRepo.GitAsync(tree, "rev-parse", "HEAD")).Trim();

        var again = await Modelpipe.RunAsync(world.Root, "report", "--zoo", zoo);

        Assert.True(again.ExitCode == 0, again.All);
        Assert.Equal(before["alpha"], Stamp(Page("alpha")));
        Assert.Equal(before["gamma"], Stamp(Page("gamma")));
        Assert.NotEqual(before["beta"], Stamp(Page("beta")));
        Assert.Contains($"v{beta.Versions + 1}", File.ReadAllText(Page("beta")), StringComparison.Ordinal);
        Assert.Contains(commit[..12], File.ReadAllText(Path.Combine(site, "index.html")), StringComparison.Ordinal);

        // Nothing changed: no model page is written.
        var unchanged = Models.ToDictionary(m => m, m => Stamp(Page(m)));
        var third = await Modelpipe.RunAsync(world.Root, "report", "--zoo", zoo);
        Assert.True(third.ExitCode == 0, third.All);
        Assert.All(unchanged, p => Assert.Equal(p.Value, Stamp(Page(p.Key))));
    }
}
