namespace ModelPipeline.Ci;

public static partial class TektonResources
{
    /// <summary>test, plan, a model TaskRun per planned model (matrix over the plan's models result), the fan-in.</summary>
    public static string PublishPipeline(CiContext ci)
    {
        var graph = ci.Graph;
        var tasks = new List<YamlMap>
        {
            PipelineTask("test", null, null),
            PipelineTask(PlanTask, "test", [Pass("config")]),
            PipelineTask(ModelTask, PlanTask, [Pass("config")], new YamlMap
            {
                { "params", new[] { new YamlMap { { "name", "model" }, { "value", $"$(tasks.{PlanTask}.results.models[*])" } } } },
            }),
            PipelineTask(FanInTask, ModelTask, [Pass("config"), new YamlMap { { "name", "models" }, { "value", $"$(tasks.{PlanTask}.results.names)" } }]),
        };
        var results = new List<YamlMap> { PipelineResult("test-summary", "test", "summary"), PipelineResult("models", PlanTask, "names") };
        foreach (var result in Results.Where(r => r != "summary"))
            results.Add(PipelineResult(result, FanInTask, result));
        return CiYaml.Write(
        [
            "test builds modelpipe in the shared workspace once; plan lists the models to publish; the model Task runs",
            $"once per planned model (matrix: {string.Join(" -> ", graph.ModelJobSteps)}, in parallel TaskRuns); the fan-in",
            $"runs {string.Join(", ", graph.FanInSteps)} once. The workspace needs ReadWriteMany when the TaskRuns spread",
            "over nodes; artifacts/<model>/ is each model's own, and the zoo and GitOps repository take racing pushes.",
            Generated,
        ], Pipeline("modelpipeline-publish", [Param("config", "pipeline.json", "The settings file.")], results, tasks));
    }

    private static YamlMap PipelineTask(string name, string? after, List<YamlMap>? parameters, YamlMap? matrix = null) => new()
    {
        { "name", name },
        { "runAfter", after is null ? null : new List<string> { after } },
        { "taskRef", new YamlMap { { "name", TaskName(name) } } },
        { "params", parameters },
        { "matrix", matrix },
        { "workspaces", new[] { new YamlMap { { "name", "source" }, { "workspace", "source" } } } },
    };

    public static string PromotePipeline(CiContext ci)
    {
        var task = new YamlMap
        {
            { "name", "promote" },
            { "taskRef", new YamlMap { { "name", TaskName("promote") } } },
            { "params", new List<YamlMap> { Pass("config"), Pass("model"), Pass("version") } },
            { "workspaces", new[] { new YamlMap { { "name", "source" }, { "workspace", "source" } } } },
        };
        return CiYaml.Write(
        [
            "A release manager's promotion: the pull request that sets prod/<model>/config.yaml to a tested version.",
            Generated,
        ], Pipeline("modelpipeline-promote",
            [Param("config", "pipeline.json", "The settings file."), Param("model", null, "The model to promote."), Param("version", null, "The zoo version N (vN).")],
            [PipelineResult("pr-url", "promote", "pr-url")], [task]));
    }

    public static string ExampleRun() => CiYaml.Write(
    [
        "Example run: a PVC-backed workspace that already holds the models repository checkout",
        "(e.g. filled by a git-clone Task or a Tekton Trigger).",
        Generated,
    ], new YamlMap
    {
        { "apiVersion", "tekton.dev/v1" },
        { "kind", "PipelineRun" },
        { "metadata", new YamlMap { { "generateName", "modelpipeline-publish-" } } },
        { "spec", new YamlMap
            {
                { "pipelineRef", new YamlMap { { "name", "modelpipeline-publish" } } },
                { "params", new[] { new YamlMap { { "name", "config" }, { "value", "pipeline.json" } } } },
                { "workspaces", new[] { new YamlMap { { "name", "source" }, { "persistentVolumeClaim", new YamlMap { { "claimName", "models-checkout" } } } } } },
            }
        },
    });

    private static YamlMap Pipeline(string name, List<YamlMap> parameters, List<YamlMap> results, List<YamlMap> tasks) => new()
    {
        { "apiVersion", "tekton.dev/v1" },
        { "kind", "Pipeline" },
        { "metadata", new YamlMap { { "name", name } } },
        { "spec", new YamlMap
            {
                { "params", parameters },
                { "workspaces", new[] { new YamlMap { { "name", "source" } } } },
                { "results", results },
                { "tasks", tasks },
            }
        },
    };

    private static YamlMap Pass(string name) => new() { { "name", name }, { "value", $"$(params.{name})" } };

    private static YamlMap PipelineResult(string name, string task, string result) => new()
    {
        { "name", name }, { "type", "string" }, { "value", $"$(tasks.{task}.results.{result})" },
    };
}
