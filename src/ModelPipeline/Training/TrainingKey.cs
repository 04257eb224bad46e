using System.Text.Json;
using System.Text.Json.Nodes;
using ModelPipeline.Errors;
using ModelPipeline.Fetching;
using ModelPipeline.Models;
using ModelPipeline.RunState;

namespace ModelPipeline.Training;

/// <summary>
/// The training key: a SHA-256 over everything that determines the trained model — the model's
/// name, data sources, training section (backend, command, hyperparameters, timeout) and expected
/// artifacts; the data digests from Fetch; and the content of the trainer sources. Validation
/// gates and serving settings are not part of it: changing them does not retrain.
/// </summary>
public static class TrainingKey
{
    public static readonly string[] SkippedFolders = ["bin", "obj", ".git", "artifacts"];

    public static async Task<string> ComputeAsync(ModelDefinition model, FetchRecord fetch, CancellationToken ct = default)
    {
        var definition = new JsonObject
        {
            ["name"] = model.Name,
            ["data"] = JsonSerializer.SerializeToNode(model.Data, RunStateStore.Json),
            ["training"] = JsonSerializer.SerializeToNode(model.Training, RunStateStore.Json),
            ["artifacts"] = JsonSerializer.SerializeToNode(model.Artifacts, RunStateStore.Json),
        };
        var data = new JsonObject();
        foreach (var s in fetch.Sources.OrderBy(s => s.Name, StringComparer.Ordinal)) data[s.Name] = s.Digest;

        var sources = new JsonObject();
        foreach (var (rel, digest) in await SourceDigestsAsync(model, ct)) sources[rel] = digest;

        var document = new JsonObject { ["v"] = 1, ["definition"] = definition, ["data"] = data, ["sources"] = sources };
        return Digests.Sha256(document.ToJsonString());
    }

    /// <summary>
    /// Digests of the trainer sources: <c>training.sources</c> when given, else every file in the
    /// model folder except model.json and build output (bin/, obj/).
    /// </summary>
    public static async Task<List<(string Rel, string Digest)>> SourceDigestsAsync(ModelDefinition model, CancellationToken ct)
    {
        var result = new List<(string, string)>();
        IReadOnlyList<string> roots = model.Training.Sources.Count > 0 ? [.. model.Training.Sources] : ["."];
        for (var i = 0; i < roots.Count; i++)
        {
            var files = ConfinedFiles.List(model.Directory, roots[i], SkippedFolders, out var problem);
            if (problem is not null)
                throw new InvalidInputException($"models/{model.Name}/model.json: {SourcesField(model, i)}: {problem}; " +
                    "nothing outside the model folder is hashed or listed. " +
                    "Fix: copy the file into the model folder or remove the link.") { Model = model.Name };
            foreach (var rel in files.Where(f => f != "model.json"))
                result.Add((rel, await Digests.FileSha256Async(Path.Combine(model.Directory, rel), ct)));
        }
        return result.DistinctBy(r => r.Item1).OrderBy(r => r.Item1, StringComparer.Ordinal).ToList();
    }

    /// <summary>The JSON path of source entry <paramref name="i"/> (the whole folder when none are listed).</summary>
    public static string SourcesField(ModelDefinition model, int i) =>
        model.Training.Sources.Count > 0
            ? $"$.training.sources[{i}]"
            : "$.training.sources (default: the whole model folder)";
}
