using ModelPipeline.Ci;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Ci;

/// <summary>`modelpipe ci generate` writes pipelines/ from the target graph; `--check` names each stale file with its diff.</summary>
public sealed class CiGeneratorTests
{
    [Fact]
    public async Task Generating_twice_writes_the_same_bytes_and_the_check_then_passes()
    {
        using var world = new CiWorld();
        Assert.Equal(0, (await world.GenerateAsync()).ExitCode);
        var first = CiGenerator.Folders.SelectMany(f => Directory.EnumerateFiles(Path.Combine(world.Root, f), "*.y*ml", new EnumerationOptions { AttributesToSkip = 0 }))
            .ToDictionary(f => f, File.ReadAllText);

        var again = await world.GenerateAsync();
        var check = await world.GenerateAsync("--check");

        Assert.Equal(12, first.Count);
        Assert.Contains("already current", again.All, StringComparison.Ordinal);
        Assert.All(first, f => Assert.Equal(f.Value, File.ReadAllText(f.Key)));
        Assert.Equal(0, check.ExitCode);
    }

    [Fact]
    public async Task A_stale_ci_file_fails_the_check_naming_the_file_and_the_diff_and_nothing_is_written()
    {
        using var world = new CiWorld();
        await world.GenerateAsync();
        var path = Path.Combine(world.Root, "pipelines", "gitlab", "models.gitlab-ci.yml");
        var edited = File.ReadAllText(path).Replace("./build.sh OpenPr --exclusive", "./build.sh OpenPr", StringComparison.Ordinal);
        File.WriteAllText(path, edited);
        File.WriteAllText(Path.Combine(world.Root, "pipelines", "tekton", "task-old.yaml"), "kind: Task\n");

        var result = await world.GenerateAsync("--check");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("pipelines/gitlab/models.gitlab-ci.yml differs from what GenerateCi writes now", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("-    - ./build.sh OpenPr --config \"$MODELPIPE_SETTINGS\" $MODEL_ARGS", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("+    - ./build.sh OpenPr --exclusive --config \"$MODELPIPE_SETTINGS\" $MODEL_ARGS", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("pipelines/tekton/task-old.yaml is not generated", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("Fix: run ./build.sh GenerateCi", result.StdErr, StringComparison.Ordinal);
        Assert.Equal(edited, File.ReadAllText(path));
        Assert.True(File.Exists(Path.Combine(world.Root, "pipelines", "tekton", "task-old.yaml")));
    }

    [Fact]
    public async Task Generating_removes_yaml_files_that_are_no_longer_generated()
    {
        using var world = new CiWorld();
        Directory.CreateDirectory(Path.Combine(world.Root, "pipelines", "tekton"));
        File.WriteAllText(Path.Combine(world.Root, "pipelines", "tekton", "task-build-target.yaml"), "kind: Task\n");

        var result = await world.GenerateAsync();

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("deleted pipelines/tekton/task-build-target.yaml", result.All, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(world.Root, "pipelines", "tekton", "task-build-target.yaml")));
    }

    [Fact]
    public async Task A_target_another_engineer_adds_to_publish_runs_in_the_fan_in_or_the_model_job_of_every_ci()
    {
        using var world = new CiWorld();
        var graph = CiWorld.StandardGraph().Where(t => t.Name is not ("Publish" or "PushMirrors")).ToList();
        graph.Add(CiWorld.T("ServingCheck", ["PackageModelCar"]));
        graph.Add(CiWorld.T("PushMirrors", ["ServingCheck"]));
        graph.Add(CiWorld.T("Verify", ["OpenPr"]));
        graph.Add(CiWorld.T("Publish", ["Verify", "Report"], actions: 0));
        world.WriteGraph(graph);

        Assert.Equal(0, (await world.GenerateAsync()).ExitCode);

        var verify = "./build.sh Verify --exclusive";
        var template = YamlJson.Documents(world.Read(GitLabPipelines.ModelsTemplate))[0]!;
        var fanIn = template[".fan-in"]!["script"]!.AsArray().Select(s => (string)s!).ToList();
        Assert.Equal(["UpdateGitOps", "OpenPr", "Verify", "Report"], fanIn.Where(l => l.StartsWith("./build.sh ", StringComparison.Ordinal)
            && l.Contains("--exclusive", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]));
        Assert.Contains(verify, world.Read("pipelines/github/publish.yml"), StringComparison.Ordinal);
        Assert.Contains(verify, world.Read("pipelines/tekton/tasks.yaml"), StringComparison.Ordinal);
        Assert.Contains(verify, world.Read("pipelines/argo-workflows/workflowtemplate-publish.yaml"), StringComparison.Ordinal);
        // A step before PushMirrors runs in each model's job, which runs PushMirrors and what it depends on.
        Assert.Contains("Check -> Fetch -> Train -> Validate -> PackageModelCar -> ServingCheck -> PushMirrors", world.Read(GitLabPipelines.ModelsTemplate), StringComparison.Ordinal);
        Assert.Equal(["./build.sh PushMirrors --config \"$MODELPIPE_SETTINGS\" --model \"$MODEL\""],
            template[".model"]!["script"]!.AsArray().Take(1).Select(s => (string?)s));
    }

    [Fact]
    public async Task A_graph_without_publish_is_refused_with_exit_2_and_nothing_is_written()
    {
        using var world = new CiWorld();
        world.WriteGraph(CiWorld.StandardGraph().Where(t => t.Name is not ("Publish" or "Promote")));

        var result = await world.GenerateAsync();

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("the graph has no target 'Publish'", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("the graph has no target 'Promote'", result.StdErr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(world.Root, "pipelines"), "*.y*ml", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_missing_graph_file_says_how_to_write_it()
    {
        using var world = new CiWorld();
        File.Delete(world.GraphPath);

        var result = await world.GenerateAsync();

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no such target graph. Fix: run ./build.sh GenerateCi", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_secret_setting_reaches_every_ci_by_its_name_and_only_the_steps_that_run_targets()
    {
        using var world = new CiWorld();
        var settings = Path.Combine(world.Root, CiContext.GitHubSettings);
        File.WriteAllText(settings, File.ReadAllText(settings).Replace("\"zoo\": {", "\"extra\": { \"service\": { \"tokenEnv\": \"EXTRA_SERVICE_TOKEN\" } },\n  \"zoo\": {", StringComparison.Ordinal));

        await world.GenerateAsync();

        var workflow = YamlJson.Documents(world.Read("pipelines/github/publish.yml"))[0]!;
        var train = workflow["jobs"]!["model"]!["steps"]!.AsArray().Single(s => (string?)s!["id"] == "target")!;
        Assert.Equal("${{ secrets.EXTRA_SERVICE_TOKEN }}", (string?)train["env"]!["EXTRA_SERVICE_TOKEN"]);
        Assert.DoesNotContain("secrets.", workflow["jobs"]!["test"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("key: EXTRA_SERVICE_TOKEN", world.Read("pipelines/tekton/tasks.yaml"), StringComparison.Ordinal);
        Assert.Equal(["EXTRA_SERVICE_TOKEN", "GITOPS_TOKEN", "KFP_TOKEN", "MODELPIPE_REGISTRY_PASSWORD", "MODELPIPE_REGISTRY_USERNAME", "MODELPIPE_SIGNING_KEY", "MODELPIPE_SIGNING_PASSWORD", "RUNPOD_API_KEY", "ZOO_MIRROR_TOKEN", "ZOO_TOKEN"],
            train["env"]!.AsObject().Select(kv => kv.Key).Where(k => k != "MODEL"));
    }
}
