using ModelPipeline.Tests.Ci;
using ModelPipeline.Tests.Forges;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Planning;

/// <summary>
/// The what-if plan on a GitLab merge request: posted as a note through the GitLab client (against the test
/// suite's fake GitLab, the notes API of https://docs.gitlab.com/api/notes/), or printed to the job log when no
/// token is set. GitHub's job summary is the same Markdown appended to a file.
/// </summary>
public sealed class PlanNoteTests
{
    private const string Token = "glpat-CANARY-plan-note-3b9e";

    private static async Task<(TestWorld World, FakeGitLab GitLab)> WorldAsync()
    {
        var world = new TestWorld();
        await ThreeModels.WriteModelAsync(world.Root, "m1");
        var bare = await BareRepo.CreateAsync(Path.Combine(world.Root, "models-project.git"));
        var gitlab = await FakeGitLab.StartAsync("42", bare, Token);
        gitlab.MergeRequests.Add(new FakePullRequest { Number = 7, Head = "change-m1", Base = "main", Title = "m1", Body = "" });
        return (world, gitlab);
    }

    private static Dictionary<string, string?> MergeRequestEnv(FakeGitLab gitlab, string? token) => new()
    {
        ["CI_API_V4_URL"] = gitlab.BaseUrl + "api/v4",
        ["CI_PROJECT_ID"] = "42",
        ["CI_MERGE_REQUEST_IID"] = "7",
        ["MODELPIPE_MR_NOTE_TOKEN"] = token,
    };

    [Fact]
    public async Task With_a_token_the_plan_is_posted_as_a_note_on_the_merge_request_and_nothing_else_is_sent()
    {
        var (world, gitlab) = await WorldAsync();
        using var _ = world;
        await using var __ = gitlab;
        var run = await Modelpipe.RunAsync(world.Root, ["plan", "--mr-note"], MergeRequestEnv(gitlab, Token));
        Assert.True(run.ExitCode == 0, run.All);
        var note = Assert.Single(gitlab.MergeRequests.Single().Comments);
        Assert.Contains("## What-if plan", note);
        Assert.Contains("| m1 | train |", note);
        Assert.Contains("```diff", note);
        Assert.Contains("+model_version: 1", note);
        Assert.Equal(["POST /api/v4/projects/42/merge_requests/7/notes"], gitlab.Writes);
        ForgeTestKit.AssertNowhere(Token, world, run.All);
    }

    [Fact]
    public async Task Without_a_token_the_plan_goes_to_the_job_log_and_the_forge_is_not_called()
    {
        var (world, gitlab) = await WorldAsync();
        using var _ = world;
        await using var __ = gitlab;
        var run = await Modelpipe.RunAsync(world.Root, ["plan", "--mr-note"], MergeRequestEnv(gitlab, null));
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("MODELPIPE_MR_NOTE_TOKEN is not set", run.All);
        Assert.Contains("| m1 | train |", run.All);
        Assert.Empty(gitlab.Requests);
    }

    [Fact]
    public async Task The_summary_option_appends_the_markdown_plan_to_the_file_it_names()
    {
        using var world = new TestWorld();
        await ThreeModels.WriteModelAsync(world.Root, "m1");
        var summary = Path.Combine(world.Root, "summary.md");
        await File.WriteAllTextAsync(summary, "earlier step\n");
        var run = await Modelpipe.RunAsync(world.Root, "plan", "--summary", summary);
        Assert.True(run.ExitCode == 0, run.All);
        var text = await File.ReadAllTextAsync(summary);
        Assert.StartsWith("earlier step\n## What-if plan", text);
        Assert.Contains("1 of 1 model(s) would change; nothing has been written.", text);
    }
}
