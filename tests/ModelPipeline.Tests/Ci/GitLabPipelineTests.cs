using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Ci;

/// <summary>
/// The generated GitLab pipelines under gitlab-ci-local: parsed and listed (with its schema
/// validation) on a fresh clone, the jobs in graph order; and the publish pipeline run end to end
/// on a fresh clone with the shell executor.
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

    /// <summary>
    /// A fresh clone of HEAD runs the whole publish pipeline under gitlab-ci-local (shell executor, the
    /// embedded local settings): the test job (./build.sh Test narrowed to one small test, so the suite
    /// does not run itself) and every Publish step job pass, the step jobs' dotenv reports name the digest,
    /// version and promotion, the GitOps repository pins that digest, and the logs have no escape codes.
    /// </summary>
    [GitLabRunFact]
    public async Task Gitlab_ci_local_runs_the_test_job_and_every_publish_step_job_on_a_fresh_clone()
    {
        using var world = new TestWorld();
        var clone = await CloneAsync(world);
        var nugetPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } n
            ? n : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(40));

        var run = await GitLabCiLocalAsync(clone, world, deadline.Token,
            "--file", "pipelines/gitlab/.gitlab-ci.yml", "--force-shell-executor",
            "--variable", "MODELPIPE_SETTINGS=pipeline.json",
            "--variable", $"MODELPIPE_TEST_FILTER={InnerTestFilter}",
            "--variable", $"{GitLabRunFactAttribute.Guard}=1",
            // The job's own NuGet folder would download every package again; this machine's cache is the same content.
            "--variable", $"NUGET_PACKAGES={nugetPackages}");

        var output = run.StandardOutput + run.StandardError;
        Assert.True(run.ExitCode == 0, output);
        foreach (var job in CakeTargets.PublishJobs().Append("pages"))
            Assert.Matches(new Regex($@"^ PASS  {Regex.Escape(job)}\s*$", RegexOptions.Multiline), output);
        Assert.DoesNotMatch(new Regex(@"^ (FAIL|WARN) ", RegexOptions.Multiline), output);
        Assert.DoesNotContain("promote", Regex.Matches(output, @"^ PASS  (\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value));

        // The test job ran the one test it was narrowed to, through ./build.sh Test.
        var testLog = File.ReadAllText(Path.Combine(clone, ".gitlab-ci-local", "output", "test.log"));
        Assert.Contains("passed, 0 failed", testLog, StringComparison.Ordinal);
        Assert.Contains("Capping_keeps_whole_entries", testLog, StringComparison.Ordinal);

        // The last step job's dotenv report: what later jobs and the GitLab UI read.
        var dotenv = Directory.EnumerateFiles(Path.Combine(clone, ".gitlab-ci-local", "artifacts", "openpr"), "modelpipe.env", SearchOption.AllDirectories).Single();
        var outputs = File.ReadAllLines(dotenv).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var digest = Assert.Single(Regex.Matches(outputs["IMAGE_DIGEST"], @"^iris=(sha256:[0-9a-f]{64})$")).Groups[1].Value;
        Assert.Equal("iris=v1", outputs["ZOO_VERSION"]);
        Assert.StartsWith("iris=", outputs["PR_URL"], StringComparison.Ordinal);

        // The published records agree: the GitOps test environment pins that digest, the zoo has v1, the report was published.
        var pin = await Tools.RunOkAsync("git", "--git-dir", Path.Combine(clone, ".pipeline", "gitops.git"), "show", "main:test/iris/config.yaml");
        Assert.Contains(digest, pin, StringComparison.Ordinal);
        var zoo = await Tools.RunOkAsync("git", "--git-dir", Path.Combine(clone, ".pipeline", "zoo.git"), "ls-tree", "-r", "--name-only", "main", "models/iris/v1");
        Assert.Contains("models/iris/v1/manifest.json", zoo, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(clone, "public", "index.html")), "the pages job published no report");

        // NO_COLOR and TERM=dumb from the pipeline's variables: plain logs.
        foreach (var log in Directory.EnumerateFiles(Path.Combine(clone, ".gitlab-ci-local", "output"), "*.log"))
            Assert.False(File.ReadAllText(log).Contains('\u001b', StringComparison.Ordinal), $"{log} has escape codes");
    }

    /// <summary>The one test the inner test job runs: small, and never this class.</summary>
    private const string InnerTestFilter = "FullyQualifiedName~ModelPipeline.Tests.Ci.RunOutputsTests.Capping_keeps_whole_entries";

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
        GitLabCiLocalAsync(clone, world, CancellationToken.None, args);

    private static async Task<BufferedCommandResult> GitLabCiLocalAsync(string clone, TestWorld world, CancellationToken cancellation, params string[] args) =>
        await CliWrap.Cli.Wrap(CiTools.Find("gitlab-ci-local")!)
            .WithArguments(["--home", Path.Combine(world.Root, "gcl-home"), .. args])
            .WithWorkingDirectory(clone)
            .WithEnvironmentVariables(e => e.Set("PATH", CiTools.SearchPath).Set("GITHUB_ACTIONS", null).Set("GITLAB_CI", null)
                .Set("MODELPIPE_TEST_FILTER", null).Set("MODELPIPE_RUN_ID", null).Set("NO_COLOR", "1").Set(GitLabRunFactAttribute.Guard, "1"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellation);
}

/// <summary>
/// The gitlab-ci-local pipeline run: needs the CI tools, and never runs inside a pipeline that
/// gitlab-ci-local started (its test job runs ./build.sh Test; the guard variable stops the recursion).
/// </summary>
public sealed class GitLabRunFactAttribute : FactAttribute
{
    public const string Guard = "MODELPIPE_IN_GITLAB_CI_LOCAL";

    public GitLabRunFactAttribute()
    {
        if (CiTools.Missing("gitlab-ci-local", "node", "rsync") is { } reason) Skip = reason;
        else if (Environment.GetEnvironmentVariable(Guard) == "1") Skip = "runs inside a gitlab-ci-local pipeline already";
    }
}
