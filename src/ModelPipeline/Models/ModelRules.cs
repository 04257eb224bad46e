using System.Text.Json;

namespace ModelPipeline.Models;

/// <summary>Rules for model.json that a JSON Schema does not express well.</summary>
internal static class ModelRules
{
    public static void Check(ModelDefinition model, string folder, string prefix, List<string> problems)
    {
        void Problem(string path, string text) => problems.Add($"{prefix}: {path}: {text}");

        if (model.Name != folder)
            Problem("$.name", $"'{model.Name}' does not match its folder 'models/{folder}'. Fix: rename the folder or set \"name\": \"{folder}\".");

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < model.Data.Count; i++)
        {
            var d = model.Data[i];
            var at = $"$.data[{i}]";
            if (!names.Add(d.Name)) Problem($"{at}.name", $"duplicate data source name '{d.Name}'. Fix: give each source its own name.");
            var kinds = new[] { d.File, d.Url, d.Git }.Count(v => v is not null);
            if (kinds != 1)
            {
                Problem(at, "a data source needs exactly one of \"file\", \"url\" or \"git\". Fix: keep one and move the others to their own entries.");
                continue;
            }
            switch (d.Kind)
            {
                case DataSourceKind.File:
                    CheckPath(model.Directory, d.File!, $"{at}.file", Problem, mustExist: true);
                    if (d.Sha256 is not null || d.Commit is not null || d.Path is not null)
                        Problem(at, "a \"file\" source takes no \"sha256\", \"commit\" or \"path\". Fix: remove them.");
                    break;
                case DataSourceKind.Url:
                    if (d.Sha256 is null) Problem($"{at}.sha256", "a \"url\" source needs \"sha256\" so the download can be verified. Fix: add the digest (sha256sum FILE).");
                    if (d.Commit is not null || d.Path is not null) Problem(at, "a \"url\" source takes no \"commit\" or \"path\". Fix: remove them.");
                    if (HasUserInfo(d.Url!)) Problem($"{at}.url", "the URL embeds credentials. Fix: remove them; secrets come only from environment variables.");
                    break;
                case DataSourceKind.Git:
                    if (d.Commit is null) Problem($"{at}.commit", "a \"git\" source needs a pinned \"commit\" (40 hex characters). Fix: add it (git rev-parse HEAD).");
                    if (d.Sha256 is not null) Problem($"{at}.sha256", "a \"git\" source is pinned by \"commit\", not \"sha256\". Fix: remove \"sha256\".");
                    if (d.Path is not null && SafePath.TryResolve("/x", d.Path, out var why) is null)
                        Problem($"{at}.path", $"'{d.Path}' {why}. Fix: give a relative path inside the repository (no '..', not absolute).");
                    if (HasUserInfo(d.Git!)) Problem($"{at}.git", "the URL embeds credentials. Fix: remove them; secrets come only from environment variables.");
                    break;
            }
        }

        var training = model.Training;
        if (training.Backend == "local")
        {
            if (training.Command is null || training.Command.Count == 0)
                Problem("$.training.command", "the local backend needs a command (program and arguments as an array). Fix: e.g. [\"dotnet\", \"run\", \"--project\", \"trainer\"].");
        }
        if (training.Backend == Importing.ImportStep.Backend)
            ImportRules(model, Problem);
        foreach (var (path, problem) in Training.TrainerEnvironment.PassthroughProblems(model, []))
            Problem(path, problem);
        for (var i = 0; i < training.Sources.Count; i++)
            CheckPath(model.Directory, training.Sources[i], $"$.training.sources[{i}]", Problem, mustExist: true);
        ConfinedSources(model, Problem);

        for (var i = 0; i < model.Artifacts.Files.Count; i++)
            CheckPath("/output", model.Artifacts.Files[i], $"$.artifacts.files[{i}]", Problem, mustExist: false);

        var v = model.Validation;
        if (v.OnnxModel is not null && !model.Artifacts.Files.Contains(v.OnnxModel))
            Problem("$.validation.onnxModel", $"'{v.OnnxModel}' is not one of $.artifacts.files. Fix: add it there or correct the name.");
        if (v.TestVectors is not null && !model.Artifacts.Files.Contains(v.TestVectors))
            Problem("$.validation.testVectors", $"'{v.TestVectors}' is not one of $.artifacts.files. Fix: add it there or correct the name.");
        if (v.TestVectors is not null && v.OnnxModel is null)
            Problem("$.validation.onnxModel", "test vectors need an ONNX model to run. Fix: set \"onnxModel\".");
        foreach (var (metric, gate) in v.Metrics)
        {
            if (gate.Min is null && gate.Max is null)
                Problem($"$.validation.metrics.{metric}", "a metric gate needs \"min\" and/or \"max\".");
            if (gate.Min > gate.Max)
                Problem($"$.validation.metrics.{metric}", "\"min\" is greater than \"max\"; no value can pass.");
        }

        if (model.Serving.ChartPath is not null && SafePath.TryResolve("/repo", model.Serving.ChartPath, out var chartWhy) is null)
            Problem("$.serving.chartPath", $"'{model.Serving.ChartPath}' {chartWhy} (relative to the repository root). "
                + "Fix: give a relative path inside the repository (no '..', not absolute).");

        if (model.Serving.Check is { Enabled: false, Reason: null or "" })
            Problem("$.serving.check.reason", "turning the serving check off needs a reason. Fix: add \"reason\": \"why this model is not served over the Open Inference Protocol before its test pin\".");
        if (model.Serving.Check is { Enabled: true } && v.OnnxModel is null)
            Problem("$.serving.check.enabled", "the serving check serves the ONNX file $.validation.onnxModel names, and none is set. Fix: set \"onnxModel\", or remove $.serving.check.");

        // KServe's predictor replicas: whole numbers, and a minimum above the maximum is refused here rather than by the cluster.
        var replicas = new Dictionary<string, long>();
        foreach (var key in new[] { "minReplicas", "maxReplicas" })
        {
            if (!model.Serving.Values.TryGetValue(key, out var value)) continue;
            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= 0) replicas[key] = n;
            else Problem($"$.serving.values.{key}", $"expected a whole number of at least 0, found {value.GetRawText()}.");
        }
        if (replicas.TryGetValue("minReplicas", out var min) && replicas.TryGetValue("maxReplicas", out var max) && min > max)
            Problem("$.serving.values.minReplicas", $"{min} is greater than maxReplicas {max}; KServe would refuse the InferenceService. Fix: lower minReplicas or raise maxReplicas.");
    }

    /// <summary>
    /// The rules that need no valid definition (the folder name, paths that leave the model folder), run
    /// on the raw document when the schema refused it: every problem is reported in one pass.
    /// </summary>
    public static void CheckRaw(JsonElement root, string modelDir, string folder, string prefix, List<string> problems)
    {
        void Problem(string path, string text) => problems.Add($"{prefix}: {path}: {text}");
        if (root.ValueKind != JsonValueKind.Object) return;
        if (root.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() != folder)
            Problem("$.name", $"'{name.GetString()}' does not match its folder 'models/{folder}'. Fix: rename the folder or set \"name\": \"{folder}\".");
        foreach (var (at, value) in Strings(root, "data", "file"))
            CheckPath(modelDir, value, at, Problem, mustExist: true);
        foreach (var (at, value) in Strings(root, "training", "sources"))
            CheckPath(modelDir, value, at, Problem, mustExist: true);
        foreach (var (at, value) in Strings(root, "artifacts", "files"))
            CheckPath("/output", value, at, Problem, mustExist: false);
    }

    /// <summary>$.data[i].file strings, or the strings of $.section.list[i].</summary>
    private static IEnumerable<(string At, string Value)> Strings(JsonElement root, string section, string field)
    {
        if (!root.TryGetProperty(section, out var node)) yield break;
        if (node.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in node.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String)
                    yield return ($"$.{section}[{i}].{field}", v.GetString()!);
                i++;
            }
        }
        else if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty(field, out var list) && list.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String) yield return ($"$.{section}.{field}[{i}]", item.GetString()!);
                i++;
            }
        }
    }

    private static void CheckPath(string baseDir, string relative, string at, Action<string, string> problem, bool mustExist)
    {
        var resolved = SafePath.TryResolve(baseDir, relative, out var why);
        if (resolved is null)
        {
            problem(at, $"'{relative}' {why}. Fix: give a relative path inside the {(baseDir == "/output" ? "training output" : "model folder")}"
                + " (no '..', not absolute).");
            return;
        }
        if (mustExist && !File.Exists(resolved) && !Directory.Exists(resolved))
            problem(at, $"'{relative}' does not exist in the model folder. Fix: add it or correct the path.");
    }

    /// <summary>Every file reached through the trainer sources (links, folders) stays in the model folder.</summary>
    /// <summary>An imported model (<c>"backend": "import"</c>) is not trained here: no data, command or env.</summary>
    private static void ImportRules(ModelDefinition model, Action<string, string> problem)
    {
        const string fix = "an imported model is not trained here; its files come from modelpipe import (docs/import.md).";
        if (model.Data.Count > 0) problem("$.data", $"{fix} Fix: set \"data\": [].");
        if (model.Training.Command is not null) problem("$.training.command", $"{fix} Fix: remove \"command\".");
        if (model.Training.Env is not null) problem("$.training.env", $"{fix} Fix: remove \"env\".");
    }

    private static void ConfinedSources(ModelDefinition model, Action<string, string> problem)
    {
        IReadOnlyList<string> roots = model.Training.Sources.Count > 0 ? [.. model.Training.Sources] : ["."];
        for (var i = 0; i < roots.Count; i++)
        {
            if (SafePath.TryResolve(model.Directory, roots[i], out _) is not { } full || !Path.Exists(full)) continue;
            ConfinedFiles.List(model.Directory, roots[i], Training.TrainingKey.SkippedFolders, out var why);
            if (why is not null)
                problem(Training.TrainingKey.SourcesField(model, i),
                    $"{why}; the training key and the SBOM may only read the model folder. " +
                    "Fix: copy what the trainer needs into the model folder, or remove the link.");
        }
    }

    internal static bool HasUserInfo(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.UserInfo);
}
