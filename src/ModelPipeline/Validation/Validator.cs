using System.Text.Json;
using ModelPipeline.Errors;
using ModelPipeline.Models;
using ModelPipeline.RunState;
using ModelPipeline.Training;

namespace ModelPipeline.Validation;

/// <summary>
/// The Validate step, a gate: expected files, a manifest with digests, size limits, ONNX Runtime
/// load and test vectors, metric thresholds. Every check runs; all failures are reported together.
/// </summary>
public sealed partial class Validator(RunStateStore state)
{
    public async Task<ValidationReport> ValidateAsync(ModelDefinition model, CancellationToken ct = default)
    {
        var key = state.CurrentKey(model.Name)
            ?? throw new OperationFailedException($"model '{model.Name}' has not been trained in this workspace. Fix: run ./build.sh Train --model {model.Name} first.") { Model = model.Name };
        if (state.ReadRun<Zoo.PublishedVersion>(model.Name, key, "published") is { } published)
            return await ValidatePublishedAsync(model, key, published, ct);
        var train = state.ReadRun<TrainingRecord>(model.Name, key, "train");
        var output = state.OutputDir(model.Name, key);
        if (train is null || !Directory.Exists(output))
            throw new OperationFailedException($"model '{model.Name}': the training output for key {key[..12]} is missing. Fix: run ./build.sh Train --model {model.Name}.") { Model = model.Name };

        var report = await CheckAsync(model, key, output, await LayerPlanAsync(model, ct), ct);
        state.WriteRun(model.Name, key, "validate", report);
        return report;
    }

    /// <summary>Runs every gate of <paramref name="model"/> on the files in <paramref name="output"/>; writes nothing.</summary>
    public static Task<ValidationReport> CheckAsync(ModelDefinition model, string key, string output,
        CancellationToken ct = default) =>
        CheckAsync(model, key, output, null, ct);

    /// <summary>The gates, and with <paramref name="layers"/> the digests of the files' own ModelCar layers (read in
    /// the same pass as their sha256).</summary>
    public static async Task<ValidationReport> CheckAsync(ModelDefinition model, string key, string output,
        LayerPlan? layers, CancellationToken ct)
    {
        var checks = new List<CheckResult> { new("definition", true, "model.json matches models/model.schema.json and the rules") };
        // Before anything reads the output: only regular files and folders (a link is never followed).
        var confined = TrainingOutput.Problems(output);
        if (confined.Count > 0)
        {
            checks.Add(new CheckResult("output-files", false, $"{string.Join("; ", confined)}; no file was read"));
            return Report(model, key, checks, [], [], null);
        }
        checks.Add(new CheckResult("output-files", true, "regular files and folders only"));
        var manifest = new List<FileEntry>();
        var layerDigests = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var rel in Digests.Files(output))
        {
            var path = Path.Combine(output, rel);
            var (entry, layer) = await HashAsync(output, rel, new FileInfo(path).Length, layers, ct);
            manifest.Add(entry);
            if (layer is not null) layerDigests[rel] = layer;
        }
        checks.Add(new CheckResult("manifest", true, $"{manifest.Count} file(s), {manifest.Sum(f => f.Size)} bytes"));

        var missing = model.Artifacts.Files.Where(f => !File.Exists(Path.Combine(output, f))).ToList();
        checks.Add(missing.Count == 0
            ? new CheckResult("expected-files", true, $"all {model.Artifacts.Files.Count} expected file(s) present")
            : new CheckResult("expected-files", false, $"missing: {string.Join(", ", missing)} (declared in $.artifacts.files)"));

        checks.Add(SizeCheck(model, manifest));

        if (model.Artifacts.Format == "safetensors") checks.Add(SafetensorsCheck.Run(output, manifest));

        var metrics = ReadMetrics(output, out var metricsProblem);
        if (model.Validation.Metrics.Count > 0)
            checks.Add(metricsProblem is not null ? new CheckResult("metrics", false, metricsProblem) : MetricCheck(model, metrics));

        var onnx = model.Validation.OnnxModel;
        if (onnx is not null && File.Exists(Path.Combine(output, onnx)))
        {
            var load = OnnxSmokeTest.Load(Path.Combine(output, onnx));
            checks.Add(load);
            var vectors = model.Validation.TestVectors;
            if (load.Passed && vectors is not null && File.Exists(Path.Combine(output, vectors)))
                checks.Add(OnnxSmokeTest.Run(Path.Combine(output, onnx), Path.Combine(output, vectors), model.Validation.Tolerance));
        }

        return Report(model, key, checks, manifest, metrics,
            layers is null ? null : new ValidatedLayers(layers.Created, layerDigests));
    }

    private static ValidationReport Report(ModelDefinition model, string key, List<CheckResult> checks,
        List<FileEntry> manifest, Dictionary<string, double> metrics, ValidatedLayers? layers) =>
        new()
        {
            Model = model.Name,
            TrainingKey = key,
            Passed = checks.All(c => c.Passed),
            Checks = checks,
            Manifest = manifest,
            Metrics = metrics,
            Layers = layers,
            ValidatedAt = DateTimeOffset.UtcNow,
        };

    private static CheckResult SizeCheck(ModelDefinition model, List<FileEntry> manifest)
    {
        var problems = new List<string>();
        var total = manifest.Sum(f => f.Size);
        if (total > model.Artifacts.MaxTotalBytes)
            problems.Add($"total {total} bytes exceeds $.artifacts.maxTotalBytes {model.Artifacts.MaxTotalBytes}");
        if (model.Validation.MaxFileBytes is { } max)
            problems.AddRange(manifest.Where(f => f.Size > max).Select(f => $"{f.Path} is {f.Size} bytes, over $.validation.maxFileBytes {max}"));
        return problems.Count == 0
            ? new CheckResult("size-limits", true, $"{total} bytes within limits")
            : new CheckResult("size-limits", false, string.Join("; ", problems));
    }

    private static Dictionary<string, double> ReadMetrics(string output, out string? problem)
    {
        problem = null;
        var path = Path.Combine(output, "metrics.json");
        if (!File.Exists(path)) { problem = "the trainer wrote no metrics.json"; return []; }
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.EnumerateObject()
                .Where(p => p.Value.ValueKind == JsonValueKind.Number)
                .ToDictionary(p => p.Name, p => p.Value.GetDouble());
        }
        catch (JsonException ex)
        {
            problem = $"metrics.json is not valid JSON ({ex.Message})";
            return [];
        }
    }

    private static CheckResult MetricCheck(ModelDefinition model, Dictionary<string, double> metrics)
    {
        var failures = new List<string>();
        var passes = new List<string>();
        foreach (var (name, gate) in model.Validation.Metrics)
        {
            if (!metrics.TryGetValue(name, out var value)) { failures.Add($"{name} missing from metrics.json"); continue; }
            if (gate.Min is { } min && value < min) failures.Add($"{name} = {value:G6} is below the minimum {min:G6}");
            else if (gate.Max is { } max && value > max) failures.Add($"{name} = {value:G6} is above the maximum {max:G6}");
            else passes.Add($"{name} = {value:G6}");
        }
        return failures.Count == 0
            ? new CheckResult("metrics", true, string.Join(", ", passes))
            : new CheckResult("metrics", false, string.Join("; ", failures));
    }
}
