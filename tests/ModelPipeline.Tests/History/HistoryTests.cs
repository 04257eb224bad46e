using System.Text.Json;
using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.History;

/// <summary><c>modelpipe history</c> against the sandbox GitOps repository and the local forge (real git).</summary>
public sealed class HistoryTests
{
    private static async Task Deploy(TestWorld world, int version)
    {
        await world.PublishAsync("iris", version);
        var run = await Modelpipe.RunAsync(world.Root, "gitops", "--model", "iris");
        Assert.True(run.ExitCode == 0, run.All);
    }

    private static async Task Propose(TestWorld world, params string[] verb)
    {
        var run = await Modelpipe.RunAsync(world.Root, verb);
        Assert.True(run.ExitCode == 0, run.All);
    }

    /// <summary>A merge commit as GitHub writes it ("Merge pull request #N from ..."), by a reviewer.</summary>
    private static async Task MergeCommit(TestWorld world, string branch, int number)
    {
        var bare = world.GitOpsRepo();
        var commit = (await BareRepo.GitAsync(bare,
            "-c", "user.name=Rita Reviewer", "-c", "user.email=rita@example.test",
            "commit-tree", "-p", "main", "-p", branch, "-m", $"Merge pull request #{number} from org/{branch}",
            $"{branch}^{{tree}}")).Trim();
        await BareRepo.GitAsync(bare, "update-ref", "refs/heads/main", commit);
        await BareRepo.GitAsync(bare, "branch", "-D", branch);
    }

    private static async Task FastForward(TestWorld world, string branch)
    {
        await BareRepo.GitAsync(world.GitOpsRepo(), "update-ref", "refs/heads/main", $"refs/heads/{branch}");
        await BareRepo.GitAsync(world.GitOpsRepo(), "branch", "-D", branch);
    }

    /// <summary>v1 and v2 to test; v1 to prod (merge commit #7), v2 to prod (fast-forward), then v1 back.</summary>
    private static async Task<TestWorld> PromotedAndRolledBack()
    {
        var world = new TestWorld();
        await Deploy(world, 1);
        await Propose(world, "pr", "--model", "iris");
        await MergeCommit(world, "promote/iris-v1", 7);
        await Deploy(world, 2);
        await Propose(world, "pr", "--model", "iris");
        await FastForward(world, "promote/iris-v2");
        await Propose(world, "promote", "--model", "iris", "--version", "1");
        await FastForward(world, "promote/iris-v1");
        return world;
    }

    [Fact]
    public async Task History_json_lists_each_stay_in_prod_with_who_proposed_and_merged_it_and_marks_the_rollback()
    {
        using var world = await PromotedAndRolledBack();

        var run = await Modelpipe.RunAsync(world.Root, "history", "iris", "--env", "prod", "--json");

        Assert.True(run.ExitCode == 0, run.All);
        using var doc = JsonDocument.Parse(run.StdOut);
        var entries = doc.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("data")).ToList();
        Assert.Equal([1, 2, 1], entries.Select(e => e.GetProperty("version").GetInt32()));
        Assert.All(entries, e => Assert.Equal("prod", e.GetProperty("environment").GetString()));
        Assert.Equal("#7", entries[0].GetProperty("request").GetString());
        Assert.StartsWith("Rita Reviewer", entries[0].GetProperty("mergedBy").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Rita", entries[0].GetProperty("proposedBy").GetString(), StringComparison.Ordinal);
        Assert.Equal([false, false, true], entries.Select(e => e.GetProperty("rollback").GetBoolean()));
        Assert.Equal(2, entries[2].GetProperty("replaced").GetInt32());
        Assert.Equal(entries[1].GetProperty("from").GetString(), entries[0].GetProperty("until").GetString());
        Assert.False(entries[2].TryGetProperty("until", out _));
        var url = entries[2].GetProperty("requestUrl").GetString();
        Assert.EndsWith(Path.Combine("promotions", "v1", "pull-request.md"), url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_text_shows_both_environments_and_names_the_rollback()
    {
        using var world = await PromotedAndRolledBack();

        var run = await Modelpipe.RunAsync(world.Root, "history", "iris");

        Assert.True(run.ExitCode == 0, run.All);
        var lines = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("iris in test:", lines[0]);
        Assert.StartsWith("  v1\t", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("  v2\t", lines[2], StringComparison.Ordinal);
        Assert.Contains(" .. now\t", lines[2], StringComparison.Ordinal);
        Assert.Equal("iris in prod:", lines[3]);
        Assert.Contains("merged by Rita Reviewer <rita@example.test> (#7", lines[4], StringComparison.Ordinal);
        Assert.DoesNotContain("ROLLBACK", lines[5], StringComparison.Ordinal);
        Assert.EndsWith("ROLLBACK from v2", lines[6], StringComparison.Ordinal);
        Assert.Equal(7, lines.Length);
    }

    [Fact]
    public async Task History_of_a_model_that_does_not_exist_is_invalid_input_naming_it()
    {
        using var world = new TestWorld();
        await Deploy(world, 1);

        var run = await Modelpipe.RunAsync(world.Root, "history", "nosuch");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("history nosuch: there is no models/nosuch/model.json", run.All, StringComparison.Ordinal);
        Assert.Contains("it deployed: iris", run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_report_s_model_page_has_a_promotion_history_per_environment_with_the_rollback_marked()
    {
        using var world = await PromotedAndRolledBack();

        var run = await Modelpipe.RunAsync(world.Root, "report");

        Assert.True(run.ExitCode == 0, run.All);
        var page = await File.ReadAllTextAsync(Path.Combine(world.ArtifactsDir, "report", "models", "iris.html"));
        var prod = page[page.IndexOf("data-environment=\"prod\"", StringComparison.Ordinal)..];
        prod = prod[..prod.IndexOf("</table>", StringComparison.Ordinal)];
        Assert.Equal(3, prod.Split("<tr><th scope=\"row\">").Length - 1);
        Assert.Equal(1, prod.Split("rollback from v2").Length - 1);
        Assert.Contains("Rita Reviewer &lt;rita@example.test&gt;", prod, StringComparison.Ordinal);
        Assert.Contains("<td>#7</td>", prod, StringComparison.Ordinal);
        Assert.Contains("data-environment=\"test\"", page, StringComparison.Ordinal);
    }
}
