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

        Assert.Equal(9, first.Count);
        Assert.Contains("already current", again.All, StringComparison.Ordinal);
        Assert.All(first, f => Assert.Equal(f.Value, File.ReadAllText(f.Key)));
        Assert.Equal(0, check.ExitCode);
    }

    [Fact]
    public async Task A_stale_ci_file_fails_the_check_naming_the_file_and_the_diff_and_nothing_is_written()
    {
        using var world = new CiWorld();
        await world.GenerateAsync();
        var path = Path.Combine(world.Root, "pipelines", "gitlab", ".gitlab-ci.yml");
        var edited = File.ReadAllText(path).Replace("./build.sh Train --exclusive", "./build.sh Train", StringComparison.Ordinal);
        File.WriteAllText(path, edited);
        File.WriteAllText(Path.Combine(world.Root, "pipelines", "tekton", "task-old.yaml"), "kind: Task\n");

        var result = await world.GenerateAsync("--check");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("pipelines/gitlab/.gitlab-ci.yml differs from what GenerateCi writes now", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("-    - ./build.sh Train --config \"$MODELPIPE_SETTINGS\"", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("+    - ./build.sh Train --exclusive --config \"$MODELPIPE_SETTINGS\"", result.StdErr, StringComparison.Ordinal);
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
    public async Task A_target_another_engineer_adds_to_publish_becomes_a_job_in_every_ci_in_graph_order()
    {
        using var world = new CiWorld();
        var graph = CiWorld.StandardGraph().Where(t => t.Name != "Publish").ToList();
        graph.Add(CiWorld.T("Verify", ["OpenPr"]));
        graph.Add(CiWorld.T("Publish", ["Verify", "Report"], actions: 0));
        world.WriteGraph(graph);

        Assert.Equal(0, (await world.GenerateAsync()).ExitCode);

        var github = YamlJson.Documents(world.Read("pipelines/github/publish.yml"))[0]!;
        var gitlab = YamlJson.Documents(world.Read("pipelines/gitlab/.gitlab-ci.yml"))[0]!;
        var tekton = YamlJson.Documents(world.Read("pipelines/tekton/pipeline-publish.yaml"))[0]!;
        string[] order = ["test", "check", "fetch", "train", "validate", "packagemodelcar", "servecheck", "pushmirrors", "updategitops", "openpr", "verify", "report"];
        Assert.Equal(order, tekton["spec"]!["tasks"]!.AsArray().Select(t => (string)t!["name"]!));
        Assert.Equal(order, github["jobs"]!.AsObject().Select(j => j.Key).Where(k => k != "pages"));
        Assert.Equal("openpr", (string?)github["jobs"]!["verify"]!["needs"]);
        Assert.Equal("report", (string?)github["jobs"]!["pages"]!["needs"]);
        Assert.Equal("openpr", (string?)gitlab["verify"]!["needs"]![0]!["job"]);
        Assert.Equal(["./build.sh Compile", "./build.sh Verify --exclusive --config \"$MODELPIPE_SETTINGS\""], gitlab["verify"]!["script"]!.AsArray().Take(2).Select(s => (string?)s));
        // A setup target (no dependencies) is no job: the job whose target names it runs it first.
        Assert.Equal(["./build.sh Compile", "./build.sh ModelCarBase", "./build.sh PackageModelCar --exclusive --config \"$MODELPIPE_SETTINGS\""],
            gitlab["packagemodelcar"]!["script"]!.AsArray().Take(3).Select(s => (string?)s));
        Assert.Null(gitlab["modelcarbase"]);
        Assert.Contains("name: modelpipeline-verify", world.Read("pipelines/tekton/tasks.yaml"), StringComparison.Ordinal);
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
        var train = workflow["jobs"]!["train"]!["steps"]!.AsArray().Single(s => (string?)s!["name"] == "Train")!;
        Assert.Equal("${{ secrets.EXTRA_SERVICE_TOKEN }}", (string?)train["env"]!["EXTRA_SERVICE_TOKEN"]);
        Assert.DoesNotContain("secrets.", workflow["jobs"]!["test"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("key: EXTRA_SERVICE_TOKEN", world.Read("pipelines/tekton/tasks.yaml"), StringComparison.Ordinal);
        Assert.Equal(["EXTRA_SERVICE_TOKEN", "GITOPS_TOKEN", "KFP_TOKEN", "MODELPIPE_REGISTRY_PASSWORD", "MODELPIPE_REGISTRY_USERNAME", "MODELPIPE_SIGNING_KEY", "MODELPIPE_SIGNING_PASSWORD", "RUNPOD_API_KEY", "ZOO_MIRROR_TOKEN", "ZOO_TOKEN"],
            train["env"]!.AsObject().Select(kv => kv.Key));
    }
}
