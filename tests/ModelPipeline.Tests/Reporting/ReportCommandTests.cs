using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Reporting;

/// <summary><c>modelpipe report</c> as a process: any zoo by --zoo, and its bad inputs.</summary>
public sealed class ReportCommandTests
{
    /// <summary>A git zoo (a bare repository) holding the generated models.</summary>
    internal static async Task<string> GitZooAsync(TestWorld world)
    {
        var tree = Path.Combine(world.Root, "zoo-tree");
        GeneratedZoo.Write(tree, ReportRenderingTests.Zoo());
        await BareRepo.GitAsync(world.Root, "init", "--quiet", "--initial-branch", "main", tree);
        await BareRepo.GitAsync(tree, "add", "-A");
        await BareRepo.GitAsync(tree, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "zoo");
        var bare = Path.Combine(world.Root, "zoo.git");
        await BareRepo.GitAsync(world.Root, "clone", "--bare", "--quiet", tree, bare);
        return bare;
    }

    [Fact]
    public async Task Report_renders_any_zoo_given_by_path_with_test_and_prod_from_its_aliases()
    {
        using var world = new TestWorld();
        var zoo = await GitZooAsync(world);

        var result = await Modelpipe.RunAsync(world.Root, "report", "--zoo", zoo, "--json");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("\"models\": 3", result.StdOut);
        Assert.Contains("\"charts\": 3", result.StdOut);
        var site = Path.Combine(world.ArtifactsDir, "report");
        Assert.Equal(["alpha.html", "beta.html", "gamma.html"], Directory.GetFiles(Path.Combine(site, "models")).Select(Path.GetFileName).Order());
        var index = File.ReadAllText(Path.Combine(site, "index.html"));
        Assert.Contains("v12 v11 v9", ReportRenderingTests.Text(ReportRenderingTests.IndexRow(index, "alpha")));
        Assert.Contains("Test and prod are read from the zoo's test and prod aliases.", ReportRenderingTests.Text(index));

        // Only the chosen models, replacing the previous report whole.
        var again = await Modelpipe.RunAsync(world.Root, "report", "--zoo", zoo, "--model", "beta");
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Equal(["beta.html"], Directory.GetFiles(Path.Combine(site, "models")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task An_unknown_model_is_refused_with_the_models_the_zoo_has_and_nothing_is_written()
    {
        using var world = new TestWorld();
        var zoo = await GitZooAsync(world);

        var result = await Modelpipe.RunAsync(world.Root, "report", "--zoo", zoo, "--model", "omega");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--model omega: the zoo", result.StdErr);
        Assert.Contains("it has alpha, beta, gamma", result.StdErr);
        Assert.False(Directory.Exists(Path.Combine(world.ArtifactsDir, "report")));
    }

    [Fact]
    public async Task A_destination_folder_that_is_not_a_report_is_never_replaced()
    {
        using var world = new TestWorld();
        var zoo = await GitZooAsync(world);
        var precious = Path.Combine(world.Root, "precious");
        Directory.CreateDirectory(precious);
        File.WriteAllText(Path.Combine(precious, "notes.txt"), "keep me");

        var result = await Modelpipe.RunAsync(world.Root, "report", "--zoo", zoo, "--out", precious);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("the folder has files and is not a report written by 'modelpipe report'", result.StdErr);
        Assert.Contains("Fix: give a new or empty folder.", result.StdErr);
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(precious).Select(Path.GetFileName));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(precious, "notes.txt")));
    }
}
