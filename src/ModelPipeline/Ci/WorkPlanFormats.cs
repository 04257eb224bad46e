using System.Text.Json;
using ModelPipeline.RunState;

namespace ModelPipeline.Ci;

/// <summary>A plan in each CI's own terms: the fan-out list (JSON) and the fan-in's model names.</summary>
public static class WorkPlanFormats
{
    public static string Format(WorkPlan plan, string format) => format switch
    {
        "json" => JsonSerializer.Serialize(plan, RunStateStore.Json) + "\n",
        // GitHub: strategy.matrix.model: ${{ fromJSON(needs.plan.outputs.models) }}; the fan-in reads names.
        "github" => $"models={ModelsJson(plan)}\nnames={string.Join(' ', plan.Names)}\n",
        "gitlab-child" => GitLabPipelines.Child(plan),
        "files" => ModelsJson(plan),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "json, github, gitlab-child or files"),
    };

    /// <summary>The model names as a JSON list: a Tekton array result, an Argo withParam list, a GitHub matrix.</summary>
    public static string ModelsJson(WorkPlan plan) => JsonSerializer.Serialize(plan.Names);

    /// <summary>Tekton results / Argo output parameters: <c>models</c> (JSON list) and <c>names</c> (space-separated).</summary>
    public static void WriteFiles(WorkPlan plan, string dir)
    {
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(Path.Combine(dir, "models"), ModelsJson(plan));
        AtomicFile.WriteAllText(Path.Combine(dir, "names"), string.Join(' ', plan.Names));
    }
}
