using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using ModelPipeline.Models;
using ModelPipeline.RunState;
using ModelPipeline.Validation;
using ModelPipeline.Zoo;

namespace ModelPipeline.Reporting;

/// <summary>
/// Reads a zoo working tree into <see cref="ModelReport"/>s. Tolerant by design: optional files and
/// fields (validation.json, lineage, signatures) are rendered when present; an unreadable file
/// becomes a listed problem, not a failed report.
/// </summary>
public sealed class ReportLoader(string zooRoot, string? artifactsDir = null)
{
    /// <summary>Archived versions are loaded too (the report's default view leaves them out).</summary>
    public bool IncludeArchived { get; init; }

    /// <summary>Manifest fields with a dedicated place on the model page; any other is shown as-is in the lineage panel.</summary>
    private static readonly HashSet<string> KnownManifestFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "model", "version", "trainingKey", "description", "owners", "image", "files", "createdAt", "sourceCommit",
        "data",
    };

    /// <summary>Image fields shown in the image panel; others (signature, SBOM, provenance digests) are listed as <c>image.&lt;name&gt;</c>.</summary>
    private static readonly HashSet<string> KnownImageFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "repository", "tag", "digest", "reference", "storageUri", "destination", "sizeBytes",
    };

    private readonly ConcurrentQueue<(string Model, string Text)> _problems = new();

    public IReadOnlyList<string> Problems => _problems.Select(p => p.Text).ToList();

    /// <summary>Whether reading <paramref name="model"/> met an unreadable file (its page then says so each
    /// time).</summary>
    public bool HasProblems(string model) => _problems.Any(p => p.Model == model);

    /// <param name="deployed">(model, environment) → version from the GitOps repository; null: use the zoo's test/prod aliases.</param>
    /// <param name="only">Models to include (empty: all).</param>
    public IReadOnlyList<ModelReport> Load(IReadOnlyDictionary<(string Model, string Environment), int>? deployed, IReadOnlyCollection<string> only)
    {
        var names = ZooLayout.Models(zooRoot).Where(m => only.Count == 0 || only.Contains(m)).ToList();
        return LoadModels(deployed, names);
    }

    /// <summary>Reads exactly <paramref name="names"/> (models of the zoo), in that order.</summary>
    public IReadOnlyList<ModelReport> LoadModels(
        IReadOnlyDictionary<(string Model, string Environment), int>? deployed, IReadOnlyList<string> names)
    {
        var models = new ModelReport[names.Count];
        Parallel.For(0, names.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => models[i] = LoadModel(names[i], deployed));
        return models;
    }

    private ModelReport LoadModel(string model, IReadOnlyDictionary<(string Model, string Environment), int>? deployed)
    {
        var aliases = ZooLayout.ReadAliases(zooRoot, model);
        var versions = new List<VersionReport>();
        var (statuses, tags) = Lifecycle(model);
        var hidden = 0;
        var files = new List<string>();
        foreach (var n in ZooLayout.Versions(zooRoot, model))
        {
            var status = statuses.GetValueOrDefault(n);
            if (status?.State == Zoo.Lifecycle.VersionState.Archived && !IncludeArchived) { hidden++; continue; }
            if (LoadVersion(model, n, aliases, files) is { } v)
                versions.Add(v with { Lifecycle = status, KeyTags = tags.GetValueOrDefault(n) ?? new SortedDictionary<string, string>() });
        }
        var latest = aliases.TryGetValue(ZooLayout.Latest, out var l) ? versions.FirstOrDefault(v => v.Version == l) : versions.LastOrDefault();
        int? Env(string env) => deployed is null
            ? aliases.TryGetValue(env, out var a) ? a : null
            : deployed.TryGetValue((model, env), out var d) ? d : null;
        return new ModelReport
        {
            Name = model,
            Description = latest?.Manifest.Description ?? "",
            Owners = latest?.Manifest.Owners ?? [],
            Aliases = aliases,
            Versions = versions,
            Test = Env("test"),
            Prod = Env("prod"),
            ArchivedHidden = hidden,
            RunStateFiles = files,
        };
    }

    /// <summary>lifecycle.json and tags.json of a model; unreadable ones are a listed problem.</summary>
    private (SortedDictionary<int, Zoo.Lifecycle.VersionStatus>, SortedDictionary<int, SortedDictionary<string, string>>) Lifecycle(string model)
    {
        try
        {
            return (Zoo.Lifecycle.ZooLifecycle.Read(zooRoot, model), Zoo.Lifecycle.ZooLifecycle.ReadTags(zooRoot, model));
        }
        catch (Errors.OperationFailedException ex)
        {
            _problems.Enqueue((model,
                $"models/{model}: {ex.Message.Split('\n')[0]}; shown without lifecycle states and tags"));
            return (new(), new());
        }
    }

    private VersionReport? LoadVersion(string model, int n, SortedDictionary<string, int> aliases, List<string> files)
    {
        var dir = ZooLayout.VersionDir(zooRoot, model, n);
        var manifestPath = Path.Combine(dir, "manifest.json");
        VersionManifest manifest;
        IReadOnlyList<KeyValuePair<string, string>> extra;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
            manifest = doc.RootElement.Deserialize<VersionManifest>(RunStateStore.Json)
                ?? throw new JsonException("empty document");
            extra = Extra(doc.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            _problems.Enqueue((model,
                $"models/{model}/v{n}/manifest.json: unreadable ({ex.Message}); the version is left out"));
            return null;
        }
        var definition = Optional<ModelDefinition>(model, n, "model.json");
        var stored = Optional<StoredValidation>(model, n, ZooValidationFile);
        var validation = stored?.Report is { } r
            ? new ValidationView { Passed = r.Passed, Checks = r.Checks, Source = "the zoo (validation.json)" }
            : LocalValidation(model, manifest.TrainingKey, files);
        return new VersionReport
        {
            Version = n,
            Manifest = manifest,
            Aliases = aliases.Where(a => a.Value == n).Select(a => a.Key).ToList(),
            Status = aliases.TryGetValue(ZooLayout.Latest, out var latest) && latest == n ? "current" : "superseded",
            Metrics = Optional<Dictionary<string, double>>(model, n, "metrics.json") ?? [],
            Definition = definition,
            Gates = stored?.Gates?.Metrics ?? definition?.Validation.Metrics ?? new Dictionary<string, MetricGate>(),
            Validation = validation,
            Serving = stored?.Serving,
            Extra = extra,
            Tags = new[] { manifest.Image.Tag, $"{model}-v{n}" }.OfType<string>().Distinct(StringComparer.Ordinal).ToList(),
        };
    }

    /// <summary>The version's validation file (written by PushMirrors since it records the gate's report).</summary>
    private const string ZooValidationFile = "validation.json";

    private sealed record StoredValidation
    {
        public ValidationSpec? Gates { get; init; }
        public ValidationReport? Report { get; init; }
        public Inference.ServingCheckRecord? Serving { get; init; }
    }

    /// <summary>Without a validation record in the zoo: this workspace's report for the same training key.</summary>
    private ValidationView? LocalValidation(string model, string key, List<string> files)
    {
        if (artifactsDir is null) return null;
        var path = Path.Combine(new RunStateStore(artifactsDir).RunDir(model, key), "validate.json");
        files.Add(path);
        if (!File.Exists(path)) return null;
        try
        {
            using var stream = File.OpenRead(path);
            var report = JsonSerializer.Deserialize<ValidationReport>(stream, RunStateStore.Json);
            return report is null ? null : new ValidationView { Passed = report.Passed, Checks = report.Checks, Source = "this workspace's run state (validate.json of the same training key)" };
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            _problems.Enqueue((model, $"{path}: unreadable ({ex.Message})"));
            return null;
        }
    }

    private T? Optional<T>(string model, int n, string file) where T : class
    {
        var path = Path.Combine(ZooLayout.VersionDir(zooRoot, model, n), file);
        if (!File.Exists(path)) return null;
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<T>(stream, RunStateStore.Json);
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            _problems.Enqueue((model, $"models/{model}/v{n}/{file}: unreadable ({ex.Message}); shown without it"));
            return null;
        }
    }

    /// <summary>Manifest fields without a dedicated place, flattened to "a.b[0].c" = value.</summary>
    private static List<KeyValuePair<string, string>> Extra(JsonElement root)
    {
        var result = new List<KeyValuePair<string, string>>();
        if (root.ValueKind != JsonValueKind.Object) return result;
        foreach (var p in root.EnumerateObject())
        {
            if (!KnownManifestFields.Contains(p.Name)) Flatten(p.Name, p.Value, result, 0);
            else if (p.Name == "image" && p.Value.ValueKind == JsonValueKind.Object)
                foreach (var i in p.Value.EnumerateObject().Where(i => !KnownImageFields.Contains(i.Name)))
                    Flatten($"image.{i.Name}", i.Value, result, 1);
        }
        return result;
    }

    private static void Flatten(string key, JsonElement value, List<KeyValuePair<string, string>> into, int depth)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object when depth < 4:
                foreach (var p in value.EnumerateObject()) Flatten($"{key}.{p.Name}", p.Value, into, depth + 1);
                break;
            case JsonValueKind.Array when depth < 4:
                var i = 0;
                foreach (var item in value.EnumerateArray()) Flatten($"{key}[{i++}]", item, into, depth + 1);
                break;
            case JsonValueKind.String:
                into.Add(new(key, value.GetString()!));
                break;
            case JsonValueKind.Null:
                break;
            default:
                into.Add(new(key, value.ValueKind == JsonValueKind.Number ? value.GetDouble().ToString(CultureInfo.InvariantCulture) : value.GetRawText()));
                break;
        }
    }
}
