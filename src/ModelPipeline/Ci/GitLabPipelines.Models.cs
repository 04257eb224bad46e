namespace ModelPipeline.Ci;

/// <summary>
/// The publish child pipeline: <c>models.gitlab-ci.yml</c> (generated from the target graph: the hidden jobs
/// <c>.model</c>, <c>.fan-in</c> and <c>.pages</c>) and the child file the plan job writes at run time, which
/// includes it and adds one job per planned model (GitLab's <c>parallel:matrix</c> cannot be computed at run time).
/// </summary>
public static partial class GitLabPipelines
{
    public static string ModelsTemplateFile(CiContext ci)
    {
        var graph = ci.Graph;
        var model = new YamlMap
        {
            { "stage", "models" },
            // One run per model at a time; other models are not held up (the zoo and GitOps take racing pushes).
            { "resource_group", "model-$MODEL" },
            { "interruptible", false },
            { "cache", new[] { NuGetCache("pull"), BuildCache("pull"), DataCache() } },
            { "script", new List<string>
                {
                    $"./build.sh {TargetGraph.FanOutTarget} --config \"{Settings}\" --model \"$MODEL\"",
                    Outputs("--model \"$MODEL\""),
                }
            },
            { "artifacts", Records(report: false) },
        };
        var modelArgs = "MODEL_ARGS=$(for m in $MODELPIPE_MODELS; do printf -- '--model %s ' \"$m\"; done)";
        var noOp = "if [ -z \"$MODEL_ARGS\" ]; then echo \"the plan lists no model: nothing to pin or propose\"; exit 0; fi";
        var fanIn = new YamlMap
        {
            { "stage", "fan-in" },
            { "interruptible", false },
            { "cache", new[] { NuGetCache("pull"), BuildCache("pull") } },
            { "script", new List<string> { modelArgs, noOp }
                .Concat(Setup(graph))
                .Concat(graph.FanInSteps.Select(t => $"./build.sh {t} --exclusive --config \"{Settings}\" $MODEL_ARGS"))
                .Append(Outputs("$MODEL_ARGS")).ToList() },
            { "artifacts", Records(report: true) },
        };
        var template = new YamlMap
        {
            { "stages", new List<string> { "models", "fan-in", "pages" } },
            { "default", new YamlMap { { "image", Image() } } },
            { "variables", Variables(CiContext.GitLabSettings, "$CI_PIPELINE_ID") },
            { ".model", model },
            { ".fan-in", fanIn },
            { ".pages", PagesJob("fan-in") },
        };
        return CiYaml.Write(
        [
            "The publish child pipeline's jobs, included by the child pipeline the plan job writes (modelpipe ci plan",
            "--format gitlab-child): a job per planned model (extends .model, variable MODEL), the fan-in and pages.",
            Generated,
            $".model: {string.Join(" -> ", graph.ModelJobSteps)} for one model; its artifact is that model's run records",
            $"(KBs, no model bytes). .fan-in: {string.Join(", ", graph.FanInSteps)} once for the planned models.",
        ], template);
    }

    /// <summary>The child pipeline for a plan: the template, a job per model, the fan-in after them (alone, a no-op) and pages.</summary>
    public static string Child(WorkPlan plan)
    {
        var child = new YamlMap { { "include", new[] { new YamlMap { { "local", ModelsTemplate } } } } };
        foreach (var model in plan.Names)
            child.Add(ModelJob(model), new YamlMap { { "extends", ".model" }, { "variables", new YamlMap { { "MODEL", model } } } });
        child.Add("fan-in", new YamlMap
        {
            { "extends", ".fan-in" },
            { "needs", plan.Names.Select(m => new YamlMap { { "job", ModelJob(m) }, { "artifacts", true } }).ToList() },
            { "variables", new YamlMap { { "MODELPIPE_MODELS", string.Join(' ', plan.Names) } } },
        });
        if (plan.Models.Count > 0) child.Add("pages", new YamlMap { { "extends", ".pages" } });
        return CiYaml.Write(
        [
            $"The publish child pipeline for this commit, written by modelpipe ci plan: {plan.Models.Count} model(s) to publish"
                + (plan.Models.Count == 0 ? "." : $" ({string.Join(", ", plan.Names)})."),
        ], child);
    }

    public static string ModelJob(string model) => $"model-{model}";

    /// <summary>The run records a job hands on (RunRecords): artifacts/ without model bytes; the fan-in's also has the report.</summary>
    private static YamlMap Records(bool report) => new()
    {
        { "when", "always" },
        { "expire_in", "1 week" },
        { "paths", new List<string> { RunRecords.Folder } },
        { "exclude", RunRecords.Excluded.Where(e => !report || e != "artifacts/report/**").ToList() },
        { "reports", new YamlMap { { "dotenv", "modelpipe.env" } } },
    };
}
