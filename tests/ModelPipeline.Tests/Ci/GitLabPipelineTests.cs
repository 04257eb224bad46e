using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CliWrap;
using ModelPipeline.Ci;
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
        Assert.Equal(["test", "plan", "what-if", "publish", "promote"], jobs);
        Assert.Equal(["sync-aliases"], JsonNode.Parse(gitops.StandardOutput)!.AsArray().Select(j => (string)j!["name"]!));
    }

    /// <summary>
    /// The child pipeline's model jobs hand on run records only (RunRecords, no model bytes), one resource group per
    /// model; the test job pushes the build every later job pulls; the fan-in needs every model job's records.
    /// </summary>
    [Fact]
    public void The_model_jobs_hand_on_records_only_and_every_job_after_test_pulls_the_build_once_made()
    {
        var main = YamlJson.Documents(File.ReadAllText(Path.Combine(Root, "pipelines", "gitlab", ".gitlab-ci.yml")))[0]!.AsObject();
        var template = YamlJson.Documents(File.ReadAllText(Path.Combine(Root, GitLabPipelines.ModelsTemplate)))[0]!.AsObject();

        Assert.Equal("push", (string?)main["test"]!["cache"]![1]!["policy"]);
        foreach (var job in new[] { main["plan"]!, template[".model"]!, template[".fan-in"]! })
        {
            var build = job["cache"]!.AsArray().Single(c => c!["key"]!.ToJsonString() == "\"modelpipe-$CI_COMMIT_SHA\"")!;
            Assert.Equal("pull", (string?)build["policy"]);
            Assert.Equal(CiContext.BuildPaths, build["paths"]!.AsArray().Select(p => (string)p!));
        }
        var model = template[".model"]!;
        Assert.Equal([RunRecords.Folder], model["artifacts"]!["paths"]!.AsArray().Select(p => (string)p!));
        Assert.Equal(RunRecords.Excluded, model["artifacts"]!["exclude"]!.AsArray().Select(p => (string)p!));
        Assert.Equal("model-$MODEL", (string?)model["resource_group"]);
        Assert.Null(main["promote"]!["variables"]);
        Assert.Equal([GitLabPipelines.ChildPipeline], main["publish"]!["trigger"]!["include"]!.AsArray().Select(i => (string)i!["artifact"]!));
    }
}

/// <summary>
/// The Proof of the CI topology, once for the tests of this class: a fresh clone of HEAD made a 3-model repository
/// (iris, and b and c with tiny shell trainers) whose settings share a zoo, a GitOps repository and an OCI layout outside
/// the clone. All three are published from another clone first; then b and c change, and gitlab-ci-local runs the
/// generated pipeline with --shell-isolation (each job in its own copy of the project, artifacts not copied back).
/// </summary>
public sealed class GitLabPipelineRun : IAsyncLifetime, IDisposable
{
    /// <summary>The one test the inner test job runs: small, and never this class.</summary>
    public const string InnerTestFilter = "FullyQualifiedName~ModelPipeline.Tests.Ci.RunOutputsTests.Capping_keeps_whole_entries";

    /// <summary>The pipeline's own settings file, replaced in the clone by the shared-services settings.</summary>
    public const string Settings = CiContext.GitLabSettings;

    private readonly TestWorld _world = new();

    public string Clone { get; private set; } = "";

    public string Zoo => Path.Combine(_world.Root, "shared", "zoo.git");

    public string GitOps => Path.Combine(_world.Root, "shared", "gitops.git");

    public BufferedCommandResult Result { get; private set; } = null!;

    public string Output => Result.StandardOutput + Result.StandardError;

    public async Task InitializeAsync()
    {
        if (GitLabRunFactAttribute.SkipReason() is not null) return;
        Clone = await GitLabCiLocal.CloneAsync(_world.Root);
        await ThreeModels.CreateAsync(Clone, _world.Root, Settings);
        await ThreeModels.PublishFromAnotherCloneAsync(Clone, _world.Root, Settings);
        await ThreeModels.ChangeAsync(Clone, "b", "c");
        var nugetPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } n
            ? n : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        // As CI/CD project variables: they reach the child pipeline too, which gitlab-ci-local starts with the trigger
        // job's variables instead of the command line's.
        await File.WriteAllTextAsync(Path.Combine(Clone, ".gitlab-ci-local-variables.yml"),
            $"MODELPIPE_TEST_FILTER: {InnerTestFilter}\n{GitLabRunFactAttribute.Guard}: \"1\"\n");
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(40));
        Result = await GitLabCiLocal.RunAsync(Clone, _world.Root, deadline.Token,
            "--file", "pipelines/gitlab/.gitlab-ci.yml", "--force-shell-executor", "--shell-isolation", "--no-artifacts-to-source",
            // The job's own NuGet folder would download every package again; this machine's cache has the same content.
            "--variable", $"NUGET_PACKAGES={nugetPackages}");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _world.Dispose();
}

public sealed class GitLabPipelineRunTests(GitLabPipelineRun run) : IClassFixture<GitLabPipelineRun>
{
    /// <summary>
    /// One compile (the test job's), the plan, a job per changed model (b, c; not iris), the fan-in, pages; both
    /// changed models published as v2 and pinned in test to the digests the fan-in reports; every model job's
    /// artifact is its run records (KBs); the logs have no escape codes.
    /// </summary>
    [GitLabRunFact]
    public async Task Gitlab_ci_local_with_a_copy_of_the_project_per_job_builds_once_and_publishes_the_two_changed_models()
    {
        Assert.True(run.Result.ExitCode == 0, run.Output);
        foreach (var job in new[] { "test", "plan", "model-b", "model-c", "fan-in", "pages" })
            Assert.True(new Regex($@"^ PASS  (\[publish\] -> )?{Regex.Escape(job)}\s*$", RegexOptions.Multiline).IsMatch(run.Output), run.Output);
        // gitlab-ci-local's own notes on its child-pipeline support: it calls it experimental and it sets
        // CI_PIPELINE_SOURCE=parent_pipeline for the child itself (the generated files never set that variable).
        Assert.DoesNotMatch(new Regex(@"^ (FAIL|WARN)  (?!.*(downstream|Avoid overriding predefined variables.*\[CI_PIPELINE_SOURCE\]))",
            RegexOptions.Multiline), run.Output);
        Assert.DoesNotMatch(new Regex(@"^ PASS  (\[publish\] -> )?(model-iris|promote)\b", RegexOptions.Multiline), run.Output);

        var logs = Directory.EnumerateFiles(Path.Combine(run.Clone, ".gitlab-ci-local", "output"), "*.log").ToList();
        var compiles = logs.Sum(l => Regex.Count(File.ReadAllText(l), "Compile: building"));
        Assert.True(compiles == 1, $"{compiles} compiles:\n{run.Output}");
        var testLog = File.ReadAllText(Path.Combine(run.Clone, ".gitlab-ci-local", "output", "test.log"));
        Assert.Contains("passed, 0 failed", testLog, StringComparison.Ordinal);

        // The fan-in's dotenv report: what the GitLab UI and later jobs read.
        var dotenv = Directory.EnumerateFiles(Path.Combine(run.Clone, ".gitlab-ci-local", "artifacts", "fan-in"), "modelpipe.env", SearchOption.AllDirectories).Single();
        var outputs = File.ReadAllLines(dotenv).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal("b=v2 c=v2", outputs["ZOO_VERSION"]);
        Assert.DoesNotContain(run.Clone, outputs["PR_URL"], StringComparison.Ordinal);
        foreach (var entry in outputs["IMAGE_DIGEST"].Split(' '))
        {
            var (model, digest) = (entry.Split('=')[0], entry.Split('=')[1]);
            Assert.Contains(digest, await Tools.RunOkAsync("git", "--git-dir", run.GitOps, "show", $"main:test/{model}/config.yaml"), StringComparison.Ordinal);
        }
        var zoo = await Tools.RunOkAsync("git", "--git-dir", run.Zoo, "ls-tree", "-d", "--name-only", "main", "models/iris/", "models/b/", "models/c/");
        Assert.Equal(["models/b/v1", "models/b/v2", "models/c/v1", "models/c/v2", "models/iris/v1"], zoo.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // Records, not bytes: each model job's artifact is KBs.
        foreach (var job in new[] { "model-b", "model-c" })
        {
            var dir = Path.Combine(run.Clone, ".gitlab-ci-local", "artifacts", job);
            var bytes = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            Assert.InRange(bytes, 1, RunRecords.BudgetBytesPerModel);
            // No trained file travels (gitlab-ci-local may keep the excluded folders themselves, empty).
            var trained = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                .Where(f => f.Contains("/output/", StringComparison.Ordinal) || f.Contains("/oci/", StringComparison.Ordinal)).ToList();
            Assert.True(trained.Count == 0, string.Join("\n", trained));
        }
        foreach (var log in logs)
            Assert.False(File.ReadAllText(log).Contains('\u001b', StringComparison.Ordinal), $"{log} has escape codes");
    }

    /// <summary>
    /// On the same clone, as a laptop would (it builds modelpipe itself: the jobs ran in copies): a gate
    /// tightened beyond what the trainer reaches fails ./build.sh Publish at Validate, and the failed run still gets its run page, which says what failed.
    /// </summary>
    [GitLabRunFact]
    public async Task A_failed_publish_still_writes_its_run_page_naming_the_failed_step()
    {
        Assert.True(run.Result.ExitCode == 0, run.Output);
        var modelJson = Path.Combine(run.Clone, "models", "b", "model.json");
        File.WriteAllText(modelJson, File.ReadAllText(modelJson).Replace("\"min\": 0.9 }", "\"min\": 0.9999 }", StringComparison.Ordinal));

        var publish = await CliWrap.Cli.Wrap(Path.Combine(run.Clone, "build.sh")).WithArguments(["Publish", "--config", GitLabPipelineRun.Settings])
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
        Assert.Contains(">b<", html, StringComparison.Ordinal);
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
