namespace ModelPipeline.Ci;

public static partial class TektonResources
{
    /// <summary>Test, then each Publish step as its own task on the shared workspace, in graph order.</summary>
    public static string PublishPipeline(CiContext ci)
    {
        var steps = ci.Graph.PublishSteps;
        var tasks = new List<YamlMap>();
        string? previous = null;
        foreach (var target in new[] { TargetGraph.TestTarget }.Concat(steps))
        {
            var name = CiContext.JobName(target);
            var parameters = target == TargetGraph.TestTarget ? null : new List<YamlMap> { Pass("config"), Pass("model") };
            tasks.Add(new YamlMap
            {
                { "name", name },
                { "runAfter", previous is null ? null : new List<string> { previous } },
                { "taskRef", new YamlMap { { "name", TaskName(target) } } },
                { "params", parameters },
                { "workspaces", new[] { new YamlMap { { "name", "source" }, { "workspace", "source" } } } },
            });
            previous = name;
        }
        var results = new List<YamlMap> { PipelineResult("test-summary", "test", "summary") };
        if (previous is not null && previous != "test")
            foreach (var result in Results.Where(r => r != "summary"))
                results.Add(PipelineResult(result, previous, result));
        return CiYaml.Write(
        [
            $"Test, then {string.Join(" -> ", steps)}: one Task per target on the same source workspace,",
            "so each runs alone on the run state the one before it left (artifacts/, .pipeline/).",
            Generated,
        ], Pipeline("modelpipeline-publish", [Param("config", "pipeline.json", "The settings file."), Param("model", "", "One model; empty for every model.")], results, tasks));
    }

    public static string PromotePipeline(CiContext ci)
    {
        var task = new YamlMap
        {
            { "name", "promote" },
            { "taskRef", new YamlMap { { "name", TaskName(TargetGraph.PromoteTarget) } } },
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
