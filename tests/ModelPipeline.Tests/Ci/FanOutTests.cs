using System.Text.Json;
using System.Text.Json.Nodes;
using ModelPipeline.Ci;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Ci;

/// <summary>
/// One plan, every CI: models a, b, c published; then b's data changes (a new training key) and c's test pin is
/// not its published image. `ci plan` lists b (train) and c (pin), not a; each CI's fan-out, read the way that CI
/// reads it, runs exactly those models, and its fan-in gets the same names.
/// </summary>
public sealed class FanOutTests
{
    private static readonly string Root = TestWorld.RepoRoot();
    private static readonly Dictionary<string, string?> Env = new() { ["SOURCE_DATE_EPOCH"] = null };

    [Fact]
    public async Task The_plan_lists_the_changed_models_and_every_ci_fans_out_over_exactly_those()
    {
        using var world = new TestWorld();
        await ThreeModels.WriteSettingsAsync(world.Root, world.Root, "pipeline.json");
        foreach (var name in new[] { "a", "b", "c" }) await ThreeModels.WriteModelAsync(world.Root, name);
        foreach (var verb in new[] { "fetch", "train", "validate", "package", "push" }) await RunOkAsync(world.Root, verb);
        await RunOkAsync(world.Root, "gitops", "--model", "a", "--model", "b");
        ThreeModels.ChangeData(world.Root, "b");

        var json = await RunOkAsync(world.Root, "ci", "plan");
        var plan = JsonSerializer.Deserialize<WorkPlan>(json, ModelPipeline.RunState.RunStateStore.Json)!;
        Assert.Equal([("b", "train"), ("c", "pin")], plan.Models.Select(m => (m.Name, m.Reason)));
        Assert.Equal(["a"], plan.Unchanged);
        Assert.Equal(json, File.ReadAllText(Path.Combine(world.Root, "artifacts", "plan.json")) + "\n");

        // GitHub: the plan step appends to $GITHUB_OUTPUT; the matrix is fromJSON(needs.plan.outputs.models).
        var githubOutput = Path.Combine(world.Root, "github-output");
        await RunOkAsync(world.Root, "ci", "plan", "--format", "github", "--to", githubOutput);
        var outputs = File.ReadAllLines(githubOutput).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var jobs = YamlJson.Documents(File.ReadAllText(Path.Combine(Root, "pipelines", "github", "publish.yml")))[0]!["jobs"]!;
        Assert.Contains("--format github --to \"$GITHUB_OUTPUT\"", (string)jobs["plan"]!["steps"]!.AsArray().Single(s => (string?)s!["id"] == "plan")!["run"]!, StringComparison.Ordinal);
        Assert.Equal("${{ steps.plan.outputs.models }}", (string?)jobs["plan"]!["outputs"]!["models"]);
        Assert.Equal("${{ fromJSON(needs.plan.outputs.models) }}", (string?)jobs["model"]!["strategy"]!["matrix"]!["model"]);
        Assert.Equal(plan.Names, JsonSerializer.Deserialize<string[]>(outputs["models"]));
        Assert.Equal(string.Join(' ', plan.Names), outputs["names"]);
        Assert.Equal("${{ needs.plan.outputs.names }}", (string?)jobs["fan-in"]!["steps"]!.AsArray().Single(s => (string?)s!["id"] == "target")!["env"]!["MODELPIPE_MODELS"]);

        // GitLab: the child pipeline has a job per planned model, and the fan-in needs each of them.
        await RunOkAsync(world.Root, "ci", "plan", "--format", "gitlab-child", "--to", "child.yml");
        var child = YamlJson.Documents(File.ReadAllText(Path.Combine(world.Root, "child.yml")))[0]!.AsObject();
        Assert.Equal(["include", "model-b", "model-c", "fan-in", "pages"], child.Select(j => j.Key));
        Assert.All(plan.Names, m => Assert.Equal(m, (string?)child[GitLabPipelines.ModelJob(m)]!["variables"]!["MODEL"]));
        Assert.Equal(["model-b", "model-c"], child["fan-in"]!["needs"]!.AsArray().Select(n => (string)n!["job"]!));
        Assert.Equal("b c", (string?)child["fan-in"]!["variables"]!["MODELPIPE_MODELS"]);

        // Tekton and Argo: the plan writes models (a JSON list) and names into its results / output parameters.
        var results = Path.Combine(world.Root, "results");
        await RunOkAsync(world.Root, "ci", "plan", "--format", "files", "--to", results);
        Assert.Equal(plan.Names, JsonSerializer.Deserialize<string[]>(File.ReadAllText(Path.Combine(results, "models"))));
        Assert.Equal("b c", File.ReadAllText(Path.Combine(results, "names")));
        var tekton = YamlJson.Documents(File.ReadAllText(Path.Combine(Root, "pipelines", "tekton", "pipeline-publish.yaml")))[0]!["spec"]!["tasks"]!.AsArray();
        Assert.Equal("$(tasks.plan.results.models[*])", (string?)Task(tekton, "model")["matrix"]!["params"]![0]!["value"]);
        Assert.Equal("$(tasks.plan.results.names)", (string?)Task(tekton, "fan-in")["params"]!.AsArray().Single(p => (string?)p!["name"] == "models")!["value"]);
        var argo = YamlJson.Documents(File.ReadAllText(Path.Combine(Root, ArgoWorkflows.Folder, "workflowtemplate-publish.yaml")))[0]!["spec"]!["templates"]!.AsArray();
        var dag = Task(argo, "publish")["dag"]!["tasks"]!.AsArray();
        Assert.Equal("{{tasks.plan.outputs.parameters.models}}", (string?)Task(dag, "model")["withParam"]);
        var planTemplate = Task(argo, "plan");
        var argoDir = ((string)planTemplate["script"]!["source"]!).Split("--to ")[1].Trim();
        Assert.Equal($"{argoDir}/models", (string?)planTemplate["outputs"]!["parameters"]![0]!["valueFrom"]!["path"]);
    }

    [Fact]
    public async Task With_nothing_changed_the_plan_is_empty_and_the_child_pipeline_is_the_fan_in_alone()
    {
        using var world = new TestWorld();
        await ThreeModels.WriteSettingsAsync(world.Root, world.Root, "pipeline.json");
        await ThreeModels.WriteModelAsync(world.Root, "a");
        foreach (var verb in new[] { "fetch", "train", "validate", "package", "push", "gitops" }) await RunOkAsync(world.Root, verb);

        await RunOkAsync(world.Root, "ci", "plan", "--format", "gitlab-child", "--to", "child.yml");

        var child = YamlJson.Documents(File.ReadAllText(Path.Combine(world.Root, "child.yml")))[0]!.AsObject();
        Assert.Equal(["include", "fan-in"], child.Select(j => j.Key));
        Assert.Empty(child["fan-in"]!["needs"]!.AsArray());
        Assert.Equal("", (string?)child["fan-in"]!["variables"]!["MODELPIPE_MODELS"]);
    }

    private static JsonNode Task(JsonArray list, string name) => list.Single(t => (string?)t!["name"] == name)!;

    private static async Task<string> RunOkAsync(string root, params string[] args)
    {
        var run = await Modelpipe.RunAsync(root, args, Env);
        Assert.True(run.ExitCode == 0, $"{string.Join(' ', args)}: {run.All}");
        return run.StdOut;
    }
}
