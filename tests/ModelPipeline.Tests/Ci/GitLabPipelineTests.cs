using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Ci;

/// <summary>
/// The generated GitLab pipelines under gitlab-ci-local: parsed and listed (with its schema
/// validation) on a fresh clone, the jobs in graph order; the run state handed from job to job.
/// </summary>
public sealed class GitLabPipelineTests
{
    private static readonly string Root = TestWorld.RepoRoot();

    [CiToolFact("gitlab-ci-local", "node")]
    public async Task Gitlab_ci_local_lists_both_pipelines_with_the_jobs_in_graph_order()
    {
        using var world = new TestWorld();
        var clone = await GitLabCiLocal.CloneAsync(world.Root);

        var main = await GitLabCiLocal.RunAsync(clone, world.Root, CancellationToken.None, "--list-json", "--file", "pipelines/gitlab/.gitlab-ci.yml");
        var gitops = await GitLabCiLocal.RunAsync(clone, world.Root, CancellationToken.None, "--list-json", "--file", "pipelines/gitlab/gitops.gitlab-ci.yml");

        Assert.True(main.ExitCode == 0, main.StandardOutput + main.StandardError);
        Assert.True(gitops.ExitCode == 0, gitops.StandardOutput + gitops.StandardError);
        var jobs = JsonNode.Parse(main.StandardOutput)!.AsArray().Select(j => (string)j!["name"]!).ToList();
        Assert.Equal([.. CakeTargets.PublishJobs(), "pages", "promote"], jobs);
        Assert.Equal(["sync-aliases"], JsonNode.Parse(gitops.StandardOutput)!.AsArray().Select(j => (string)j!["name"]!));
    }

    /// <summary>
    /// The pipeline run (GitLabPipelineRunTests) uses the shell executor in one folder, so it cannot show that
    /// a job on a fresh runner gets the run state: each step job needs the job before it with its artifacts,
    /// and keeps artifacts/ and .pipeline/ even when it fails.
    /// </summary>
    [Fact]
    public void Each_publish_step_job_takes_the_run_state_of_the_job_before_it_as_artifacts()
    {
        var pipeline = YamlJson.Documents(File.ReadAllText(Path.Combine(Root, "pipelines", "gitlab", ".gitlab-ci.yml")))[0]!.AsObject();
        var chain = CakeTargets.PublishJobs();
        for (var i = 1; i < chain.Count; i++)
        {
            var job = pipeline[chain[i]]!;
            var need = Assert.Single(job["needs"]!.AsArray())!;
            Assert.Equal((chain[i - 1], true), ((string)need["job"]!, (bool)need["artifacts"]!));
            var paths = job["artifacts"]!["paths"]!.AsArray().Select(p => (string)p!).ToList();
            Assert.Contains("artifacts/", paths);
            Assert.Contains(".pipeline/", paths);
            Assert.Equal("always", (string?)job["artifacts"]!["when"]);
        }
        Assert.Equal(chain[^1], (string)pipeline["pages"]!["needs"]![0]!["job"]!);
    }
}

/// <summary>
/// A fresh clone of HEAD runs the whole generated publish pipeline under gitlab-ci-local (shell executor,
/// the embedded local settings), once for the tests of this class.
/// </summary>
public sealed class GitLabPipelineRun : IAsyncLifetime, IDisposable
{
    /// <summary>The one test the inner test job runs: small, and never this class.</summary>
    public const string InnerTestFilter = "FullyQualifiedName~ModelPipeline.Tests.Ci.RunOutputsTests.Capping_keeps_whole_entries";

    private readonly TestWorld _world = new();

    public string Clone { get; private set; } = "";

    public BufferedCommandResult Result { get; private set; } = null!;

    public string Output => Result.StandardOutput + Result.StandardError;

    public async Task InitializeAsync()
    {
        if (GitLabRunFactAttribute.SkipReason() is not null) return;
        Clone = await GitLabCiLocal.CloneAsync(_world.Root);
        var nugetPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } n
            ? n : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(40));
        Result = await GitLabCiLocal.RunAsync(Clone, _world.Root, deadline.Token,
            "--file", "pipelines/gitlab/.gitlab-ci.yml", "--force-shell-executor",
            "--variable", "MODELPIPE_SETTINGS=pipeline.json",
            "--variable", $"MODELPIPE_TEST_FILTER={InnerTestFilter}",
            "--variable", $"{GitLabRunFactAttribute.Guard}=1",
            // The job's own NuGet folder would download every package again; this machine's cache has the same content.
            "--variable", $"NUGET_PACKAGES={nugetPackages}");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _world.Dispose();
}

public sealed class GitLabPipelineRunTests(GitLabPipelineRun run) : IClassFixture<GitLabPipelineRun>
{
    /// <summary>
    /// The test job (./build.sh Test narrowed to one small test, so the suite does not run itself) and every
    /// Publish step job pass; the step jobs' dotenv reports name the digest, version and promotion; the GitOps
    /// repository pins that digest; the pages job publishes the report; the logs have no escape codes.
    /// </summary>
    [GitLabRunFact]
    public async Task Gitlab_ci_local_runs_the_test_job_and_every_publish_step_job_on_a_fresh_clone()
    {
        Assert.True(run.Result.ExitCode == 0, run.Output);
        foreach (var job in CakeTargets.PublishJobs().Append("pages"))
            Assert.Matches(new Regex($@"^ PASS  {Regex.Escape(job)}\s*$", RegexOptions.Multiline), run.Output);
        Assert.DoesNotMatch(new Regex(@"^ (FAIL|WARN) ", RegexOptions.Multiline), run.Output);
        Assert.DoesNotMatch(new Regex(@"^ PASS  promote\b", RegexOptions.Multiline), run.Output);

        // The test job ran the one test it was narrowed to, through ./build.sh Test.
        var testLog = File.ReadAllText(Path.Combine(run.Clone, ".gitlab-ci-local", "output", "test.log"));
        Assert.Contains("passed, 0 failed", testLog, StringComparison.Ordinal);
        Assert.Contains("Capping_keeps_whole_entries", testLog, StringComparison.Ordinal);

        // The last step job's dotenv report: what later jobs and the GitLab UI read.
        var dotenv = Directory.EnumerateFiles(Path.Combine(run.Clone, ".gitlab-ci-local", "artifacts", "openpr"), "modelpipe.env", SearchOption.AllDirectories).Single();
        var outputs = File.ReadAllLines(dotenv).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var digest = Assert.Single(Regex.Matches(outputs["IMAGE_DIGEST"], @"^iris=(sha256:[0-9a-f]{64})$")).Groups[1].Value;
        Assert.Equal("iris=v1", outputs["ZOO_VERSION"]);
        Assert.StartsWith("iris=", outputs["PR_URL"], StringComparison.Ordinal);

        // The published records agree: the GitOps test environment pins that digest, the zoo has v1, the report was published.
        var pin = await Tools.RunOkAsync("git", "--git-dir", Path.Combine(run.Clone, ".pipeline", "gitops.git"), "show", "main:test/iris/config.yaml");
        Assert.Contains(digest, pin, StringComparison.Ordinal);
        var zoo = await Tools.RunOkAsync("git", "--git-dir", Path.Combine(run.Clone, ".pipeline", "zoo.git"), "ls-tree", "-r", "--name-only", "main", "models/iris/v1");
        Assert.Contains("models/iris/v1/manifest.json", zoo, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(run.Clone, "public", "index.html")), "the pages job published no report");

        // NO_COLOR and TERM=dumb from the pipeline's variables: plain logs.
        foreach (var log in Directory.EnumerateFiles(Path.Combine(run.Clone, ".gitlab-ci-local", "output"), "*.log"))
            Assert.False(File.ReadAllText(log).Contains('\u001b', StringComparison.Ordinal), $"{log} has escape codes");
    }

    /// <summary>
    /// On the same (now built) clone, as a laptop would: a gate tightened beyond what v1 reaches fails
    /// ./build.sh Publish at Validate, and the failed run still gets its run page, which says what failed.
    /// </summary>
    [GitLabRunFact]
    public async Task A_failed_publish_still_writes_its_run_page_naming_the_failed_step()
    {
        Assert.True(run.Result.ExitCode == 0, run.Output);
        var modelJson = Path.Combine(run.Clone, "models", "iris", "model.json");
        File.WriteAllText(modelJson, File.ReadAllText(modelJson).Replace("\"accuracy\": { \"min\": 0.9 }", "\"accuracy\": { \"min\": 0.9999 }", StringComparison.Ordinal));

        var publish = await CliWrap.Cli.Wrap(Path.Combine(run.Clone, "build.sh")).WithArguments(["Publish"])
            .WithWorkingDirectory(run.Clone)
            .WithEnvironmentVariables(e => e.Set("MODELPIPE_RUN_ID", null).Set("MODELPIPE_TEST_FILTER", null).Set("GITHUB_ACTIONS", null).Set("GITLAB_CI", null).Set("NO_COLOR", "1"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();
        var output = publish.StandardOutput + publish.StandardError;

        Assert.True(publish.ExitCode == 1, output);
        Assert.Contains("accuracy", output, StringComparison.Ordinal);
        var page = Regex.Match(output, @"this run: (\S+\.html)").Groups[1].Value;
        Assert.True(File.Exists(page), output);
        var html = File.ReadAllText(page);
        Assert.Contains("iris", html, StringComparison.Ordinal);
        Assert.Contains("validate", html, StringComparison.Ordinal);
        Assert.Contains("failed", html, StringComparison.Ordinal);
        Assert.DoesNotContain(">gitops<", html, StringComparison.Ordinal);
    }
}

/// <summary>gitlab-ci-local on a fresh clone of this repository.</summary>
public static class GitLabCiLocal
{
    /// <summary>A fresh clone of this repository's HEAD on a branch "main" with a GitLab-like origin (never contacted).</summary>
    public static async Task<string> CloneAsync(string worldRoot)
    {
        var clone = Path.Combine(worldRoot, "models");
        await Tools.RunOkAsync("git", "clone", "--quiet", TestWorld.RepoRoot(), clone);
        await Tools.RunOkAsync("git", "-C", clone, "checkout", "--quiet", "-B", "main");
        await Tools.RunOkAsync("git", "-C", clone, "remote", "set-url", "origin", "https://gitlab.example.test/example-org/models.git");
        await Tools.RunOkAsync("git", "-C", clone, "update-ref", "refs/remotes/origin/main", "HEAD");
        await Tools.RunOkAsync("git", "-C", clone, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main");
        return clone;
    }

    public static async Task<BufferedCommandResult> RunAsync(string clone, string worldRoot, CancellationToken cancellation, params string[] args) =>
        await CliWrap.Cli.Wrap(CiTools.Find("gitlab-ci-local")!)
            .WithArguments(["--home", Path.Combine(worldRoot, "gcl-home"), .. args])
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
        if (SkipReason() is { } reason) Skip = reason;
    }

    public static string? SkipReason() =>
        CiTools.Missing("gitlab-ci-local", "node", "rsync")
        ?? (Environment.GetEnvironmentVariable(Guard) == "1" ? "runs inside a gitlab-ci-local pipeline already" : null);
}
