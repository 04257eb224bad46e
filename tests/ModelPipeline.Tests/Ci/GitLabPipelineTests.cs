using System.Text.Json.Nodes;
using CliWrap;
using CliWrap.Buffered;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Ci;

/// <summary>
/// The generated GitLab pipelines under gitlab-ci-local: parsed and listed (with its schema
/// validation) on a fresh clone, the jobs in graph order.
/// </summary>
public sealed class GitLabPipelineTests
{
    private static readonly string Root = TestWorld.RepoRoot();

    [CiToolFact("gitlab-ci-local", "node")]
    public async Task Gitlab_ci_local_lists_both_pipelines_with_the_jobs_in_graph_order()
    {
        using var world = new TestWorld();
        var clone = await CloneAsync(world);

        var main = await GitLabCiLocalAsync(clone, world, "--list-json", "--file", "pipelines/gitlab/.gitlab-ci.yml");
        var gitops = await GitLabCiLocalAsync(clone, world, "--list-json", "--file", "pipelines/gitlab/gitops.gitlab-ci.yml");

        Assert.True(main.ExitCode == 0, main.StandardOutput + main.StandardError);
        Assert.True(gitops.ExitCode == 0, gitops.StandardOutput + gitops.StandardError);
        var jobs = JsonNode.Parse(main.StandardOutput)!.AsArray().Select(j => (string)j!["name"]!).ToList();
        Assert.Equal([.. CakeTargets.PublishJobs(), "pages", "promote"], jobs);
        Assert.Equal(["sync-aliases"], JsonNode.Parse(gitops.StandardOutput)!.AsArray().Select(j => (string)j!["name"]!));
    }

    /// <summary>A fresh clone of this repository's HEAD on a branch "main" with a GitLab-like origin (never contacted).</summary>
    private static async Task<string> CloneAsync(TestWorld world)
    {
        var clone = Path.Combine(world.Root, "models");
        await Tools.RunOkAsync("git", "clone", "--quiet", Root, clone);
        await Tools.RunOkAsync("git", "-C", clone, "checkout", "--quiet", "-B", "main");
        await Tools.RunOkAsync("git", "-C", clone, "remote", "set-url", "origin", "https://gitlab.example.test/example-org/models.git");
        await Tools.RunOkAsync("git", "-C", clone, "update-ref", "refs/remotes/origin/main", "HEAD");
        await Tools.RunOkAsync("git", "-C", clone, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main");
        return clone;
    }

    private static Task<BufferedCommandResult> GitLabCiLocalAsync(string clone, TestWorld world, params string[] args) =>
        CliWrap.Cli.Wrap(CiTools.Find("gitlab-ci-local")!)
            .WithArguments(["--home", Path.Combine(world.Root, "gcl-home"), .. args])
            .WithWorkingDirectory(clone)
            .WithEnvironmentVariables(e => e.Set("PATH", CiTools.SearchPath).Set("GITHUB_ACTIONS", null).Set("GITLAB_CI", null).Set("MODELPIPE_TEST_FILTER", null).Set("MODELPIPE_RUN_ID", null))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();
}
