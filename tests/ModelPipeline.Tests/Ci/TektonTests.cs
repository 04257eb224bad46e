using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelPipeline.Ci;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Ci;

/// <summary>The generated Tekton resources against Tekton's own v1 CRD schemas, and their references.</summary>
public sealed partial class TektonTests
{
    private static readonly string Dir = Path.Combine(TestWorld.RepoRoot(), "pipelines", "tekton");
    private static readonly Lazy<Json.Schema.JsonSchema> TaskSchema = new(() =>
        CrdSchema.Load("tekton-task-crd.yaml", "v1"));
    private static readonly Lazy<Json.Schema.JsonSchema> PipelineSchema = new(() =>
        CrdSchema.Load("tekton-pipeline-crd.yaml", "v1"));

    private static List<JsonNode> Documents(string kind) =>
        Directory.EnumerateFiles(Dir, "*.yaml").SelectMany(f => YamlJson.Documents(File.ReadAllText(f))).Select(d => d!).Where(d => (string?)d["kind"] == kind).ToList();

    [Fact]
    public void Every_task_and_pipeline_validates_strictly_against_tektons_v1_schemas()
    {
        var tasks = Documents("Task");
        var pipelines = Documents("Pipeline");

        Assert.NotEmpty(tasks);
        Assert.Equal(2, pipelines.Count);
        foreach (var (doc, schema) in tasks.Select(t => (t, TaskSchema.Value)).Concat(pipelines.Select(p => (p, PipelineSchema.Value))))
        {
            Assert.Equal("tekton.dev/v1", (string?)doc["apiVersion"]);
            var errors = CrdSchema.Errors(schema, doc);
            Assert.True(errors.Count == 0, $"{doc["metadata"]!["name"]}: {string.Join('\n', errors)}");
        }
    }

    [Fact]
    public void A_task_with_an_unknown_field_is_rejected_so_the_check_can_fail()
    {
        var task = Documents("Task")[0].DeepClone();
        task["spec"]!["steps"]![0]!["scriptt"] = "echo";

        Assert.NotEmpty(CrdSchema.Errors(TaskSchema.Value, task));
    }

    [Fact]
    public void Every_param_result_and_workspace_a_task_uses_is_declared()
    {
        foreach (var task in Documents("Task"))
        {
            var spec = task["spec"]!;
            var text = spec.ToJsonString();
            var parameters = Names(spec["params"]);
            var results = Names(spec["results"]);
            var workspaces = Names(spec["workspaces"]);
            Assert.All(Reference().Matches(text), m =>
            {
                var declared = m.Groups["kind"].Value switch { "params" => parameters, "results" => results, _ => workspaces };
                Assert.True(declared.Contains(m.Groups["name"].Value), $"{task["metadata"]!["name"]} uses $({m.Groups["kind"].Value}.{m.Groups["name"].Value}) but does not declare it");
            });
            // Every declared result is written by the script (the script empties them all first, or writes the summary).
            Assert.Contains("summary", results);
        }
    }

    [Fact]
    public void The_publish_pipeline_runs_test_plan_a_model_task_per_planned_model_and_the_fan_in_with_declared_params_and_results()
    {
        var pipeline = Documents("Pipeline").Single(p => (string?)p["metadata"]!["name"] == "modelpipeline-publish");
        var tasks = pipeline["spec"]!["tasks"]!.AsArray().Select(t => t!).ToList();
        var taskNames = Documents("Task").ToDictionary(t => (string)t["metadata"]!["name"]!);
        var parameters = Names(pipeline["spec"]!["params"]);

        Assert.Equal(["test", "plan", "model", "fan-in"], tasks.Select(t => (string)t["name"]!));
        for (var i = 1; i < tasks.Count; i++) Assert.Equal([(string)tasks[i - 1]["name"]!], tasks[i]["runAfter"]!.AsArray().Select(n => (string)n!));
        foreach (var task in tasks)
        {
            var definition = taskNames[(string)task["taskRef"]!["name"]!];
            var given = Names(task["params"]).Concat(Names(task["matrix"]?["params"])).ToHashSet();
            Assert.Subset(Names(definition["spec"]!["params"]), given);
            Assert.All(Reference().Matches(task.ToJsonString()), m => Assert.Contains(m.Groups["name"].Value, parameters));
        }
        foreach (var result in pipeline["spec"]!["results"]!.AsArray())
        {
            var m = PipelineResult().Match((string)result!["value"]!);
            var task = tasks.Single(t => (string?)t["name"] == m.Groups["task"].Value);
            Assert.Contains(m.Groups["result"].Value, Names(taskNames[(string)task["taskRef"]!["name"]!]["spec"]!["results"]));
        }
        // The plan Task declares the array result the matrix fans out over.
        var plan = taskNames[TektonResources.TaskName("plan")]["spec"]!["results"]!.AsArray().Single(r => (string?)r!["name"] == "models")!;
        Assert.Equal("array", (string?)plan["type"]);
    }

    [Fact]
    public void The_results_of_a_task_fit_teknons_termination_message()
    {
        foreach (var task in Documents("Task"))
        {
            var script = (string)task["spec"]!["steps"]![0]!["script"]!;
            var caps = Regex.Matches(script, @"(?:head -c|--max-bytes) (\d+)").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            var results = Names(task["spec"]!["results"]).Count;
            Assert.NotEmpty(caps);
            Assert.True(results * (caps.Max() + 64) < 4096, $"{task["metadata"]!["name"]}: {results} results of up to {caps.Max()} bytes");
        }
    }

    private static HashSet<string> Names(JsonNode? list) =>
        (list?.AsArray() ?? []).Select(p => (string)p!["name"]!).ToHashSet();

    [GeneratedRegex(@"\$\((?<kind>params|results|workspaces)\.(?<name>[a-z0-9-]+)")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^\$\(tasks\.(?<task>[a-z0-9-]+)\.results\.(?<result>[a-z0-9-]+)\)$")]
    private static partial Regex PipelineResult();
}
