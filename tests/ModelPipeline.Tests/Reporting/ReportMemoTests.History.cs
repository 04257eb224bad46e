using System.Text.Json;
using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Reporting;

/// <summary>
/// The GitOps history a report read is kept in its memo and the next report reads only the commits after it; a
/// report so continued equals, byte for byte, one that read the whole history.
/// </summary>
public sealed partial class ReportMemoTests
{
    private static async Task DeployAsync(TestWorld world, int version)
    {
        await world.PublishAsync("iris", version);
        var gitops = await Modelpipe.RunAsync(world.Root, "gitops", "--model", "iris");
        Assert.True(gitops.ExitCode == 0, gitops.All);
    }

    private static async Task<string> ReportAsync(TestWorld world)
    {
        var run = await Modelpipe.RunAsync(world.Root, "report");
        Assert.True(run.ExitCode == 0, run.All);
        Assert.DoesNotContain("could not be read", run.All, StringComparison.Ordinal);
        return Path.Combine(world.ArtifactsDir, "report");
    }

    /// <summary>The memo says the history was read up to the GitOps branch's tip.</summary>
    private static async Task AssertReadUpToTipAsync(TestWorld world, string site)
    {
        using var memo = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(site, ".modelpipe-pages.json")));
        Assert.Equal(await BareRepo.TipAsync(world.GitOpsRepo()),
            memo.RootElement.GetProperty("timeline").GetProperty("commit").GetString());
    }

    /// <summary>The rows of an environment's history table on a model page.</summary>
    private static string HistoryOf(string page, string environment)
    {
        var table = page[page.IndexOf($"data-environment=\"{environment}\"", StringComparison.Ordinal)..];
        return table[..table.IndexOf("</table>", StringComparison.Ordinal)];
    }

    private static int Rows(string table) => table.Split("<tr><th scope=\"row\">").Length - 1;

    [Fact]
    public async Task A_report_continued_with_GitOps_pins_made_after_it_equals_one_that_read_the_whole_history()
    {
        using var world = new TestWorld();
        await DeployAsync(world, 1);
        var site = await ReportAsync(world);
        await AssertReadUpToTipAsync(world, site);

        // v2 goes to test, and its promotion is merged into prod by a GitHub merge commit.
        await DeployAsync(world, 2);
        var pr = await Modelpipe.RunAsync(world.Root, "pr", "--model", "iris");
        Assert.True(pr.ExitCode == 0, pr.All);
        var bare = world.GitOpsRepo();
        var merge = (await BareRepo.GitAsync(bare, "-c", "user.name=Rita Reviewer",
            "-c", "user.email=rita@example.test", "commit-tree", "-p", "main", "-p", "promote/iris-v2",
            "-m", "Merge pull request #7 from org/promote/iris-v2", "promote/iris-v2^{tree}")).Trim();
        await BareRepo.GitAsync(bare, "update-ref", "refs/heads/main", merge);
        await ReportAsync(world);

        var page = File.ReadAllText(Path.Combine(site, "models", "iris.html"));
        Assert.Equal(2, Rows(HistoryOf(page, "test"))); // v1's stay, kept from the memo, and v2's
        Assert.Contains("<td>#7</td>", HistoryOf(page, "prod"), StringComparison.Ordinal);
        await AssertReadUpToTipAsync(world, site);
        await AssertAsBuiltFromScratchAsync(world, site);
    }

    [Fact]
    public async Task A_force_pushed_GitOps_branch_is_read_again_in_full()
    {
        using var world = new TestWorld();
        await DeployAsync(world, 1);
        var bare = world.GitOpsRepo();
        var v1 = (await BareRepo.TipAsync(bare))!;
        await DeployAsync(world, 2);
        var site = await ReportAsync(world);
        var v2 = (await BareRepo.TipAsync(bare))!;
        Assert.Contains(v2[..12], File.ReadAllText(Path.Combine(site, "models", "iris.html")),
            StringComparison.Ordinal);

        // The v2 pin is rewritten: the same tree, another commit on top of v1's; the report's commit is gone.
        var rewritten = (await BareRepo.GitAsync(bare, "commit-tree", "-p", v1, "-m", "v2 again", v2 + "^{tree}"))
            .Trim();
        await BareRepo.GitAsync(bare, "update-ref", "refs/heads/main", rewritten);
        await ReportAsync(world);

        var test = HistoryOf(File.ReadAllText(Path.Combine(site, "models", "iris.html")), "test");
        Assert.Contains(rewritten[..12], test, StringComparison.Ordinal);
        Assert.DoesNotContain(v2[..12], test, StringComparison.Ordinal);
        await AssertReadUpToTipAsync(world, site);
        await AssertAsBuiltFromScratchAsync(world, site);

        // Rewound to v1: the report's commit is a descendant of the tip, not on its line either.
        await BareRepo.GitAsync(bare, "update-ref", "refs/heads/main", v1);
        await ReportAsync(world);

        test = HistoryOf(File.ReadAllText(Path.Combine(site, "models", "iris.html")), "test");
        Assert.Equal(1, Rows(test));
        await AssertReadUpToTipAsync(world, site);
        await AssertAsBuiltFromScratchAsync(world, site);
    }

    [Fact]
    public async Task A_model_removed_from_the_GitOps_branch_after_the_report_is_no_longer_deployed_in_the_next()
    {
        using var world = new TestWorld();
        await DeployAsync(world, 1);
        var site = await ReportAsync(world);
        var page = Path.Combine(site, "models", "iris.html");
        const string Now = "<span class=\"badge test\">now</span>";
        Assert.Contains(Now, HistoryOf(File.ReadAllText(page), "test"), StringComparison.Ordinal);

        var tree = Path.Combine(world.Root, "gitops-tree");
        await BareRepo.GitAsync(world.Root, "clone", "--quiet", world.GitOpsRepo(), tree);
        await BareRepo.GitAsync(tree, "rm", "--quiet", "test/iris/config.yaml");
        await BareRepo.GitAsync(tree, "-c", "user.name=t", "-c", "user.email=t@example.com",
            "commit", "--quiet", "-m", "iris leaves test");
        await BareRepo.GitAsync(tree, "push", "--quiet", "origin", "HEAD:main");
        await ReportAsync(world);

        Assert.DoesNotContain(Now, HistoryOf(File.ReadAllText(page), "test"), StringComparison.Ordinal);
        Assert.Contains("<dt>In test</dt><dd>—</dd>", File.ReadAllText(page), StringComparison.Ordinal);
        await AssertReadUpToTipAsync(world, site);
        await AssertAsBuiltFromScratchAsync(world, site);
    }
}
