using System.Text.Json;
using System.Text.Json.Serialization;
using ModelPipeline.Errors;

namespace ModelPipeline.RunState;

/// <summary>
/// The files through which steps hand results to each other (like Tekton results):
/// <code>
/// artifacts/&lt;model&gt;/fetch.json                    data digests (Fetch)
/// artifacts/&lt;model&gt;/current.json                  the training key now in force (Train)
/// artifacts/&lt;model&gt;/runs/&lt;key&gt;/&lt;step&gt;.json       each step's result for that key
/// artifacts/&lt;model&gt;/runs/&lt;key&gt;/output/           the trained files
/// </code>
/// Every write is atomic (temp file + rename), so a killed step never leaves half a file.
/// </summary>
public sealed class RunStateStore(string artifactsDir, string? projectRoot = null)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string Root { get; } = Path.GetFullPath(artifactsDir);

    /// <summary>The project root that records name files relative to (default: the artifacts folder's parent).</summary>
    public string ProjectRoot { get; } = Path.GetFullPath(projectRoot ?? Path.Combine(artifactsDir, ".."));

    /// <summary>A path as records name it: relative to the project root, forward slashes (never a job folder's absolute path).</summary>
    public string Relative(string path) => Path.GetRelativePath(ProjectRoot, path).Replace('\\', '/');

    /// <summary>A path inside the project as <see cref="Relative"/>; a place outside it (a shared destination) as it is.</summary>
    public string? RecordPath(string? path) =>
        path is not null && Models.SafePath.IsInside(ProjectRoot, Path.GetFullPath(path)) ? Relative(path) : path;

    public string ModelDir(string model) => Path.Combine(Root, model);

    public string RunDir(string model, string key) => Path.Combine(Root, model, "runs", key);

    public string OutputDir(string model, string key) => Path.Combine(RunDir(model, key), "output");

    public T? ReadModel<T>(string model, string step) where T : class => Read<T>(Path.Combine(ModelDir(model), step + ".json"));

    public void WriteModel<T>(string model, string step, T value) => Write(Path.Combine(ModelDir(model), step + ".json"), value);

    public T? ReadRun<T>(string model, string key, string step) where T : class => Read<T>(Path.Combine(RunDir(model, key), step + ".json"));

    public void WriteRun<T>(string model, string key, string step, T value) => Write(Path.Combine(RunDir(model, key), step + ".json"), value);

    public void DeleteRun(string model, string key, string step) => File.Delete(Path.Combine(RunDir(model, key), step + ".json"));

    /// <summary>The training key now in force for a model, or null before the first Train.</summary>
    public string? CurrentKey(string model) => ReadModel<CurrentRun>(model, "current")?.TrainingKey;

    /// <summary>Records <paramref name="key"/> as the key in force; a key already in force is left as it is.</summary>
    public void SetCurrentKey(string model, string key)
    {
        if (CurrentKey(model) != key)
            WriteModel(model, "current", new CurrentRun { TrainingKey = key, UpdatedAt = DateTimeOffset.UtcNow });
    }

    /// <summary>
    /// The key of a model whose current training output passed the validation gate.
    /// Later steps (packaging, publishing) call this and refuse to run otherwise.
    /// </summary>
    public string RequireValidated(string model)
    {
        var key = CurrentKey(model)
            ?? throw new OperationFailedException($"model '{model}' has not been trained in this workspace. Fix: run ./build.sh Train --model {model} (or Publish).") { Model = model };
        var report = ReadRun<Validation.ValidationReport>(model, key, "validate")
            ?? throw new OperationFailedException($"model '{model}' (training key {key[..12]}) has not been validated. Fix: run ./build.sh Validate --model {model}.") { Model = model };
        if (!report.Passed)
            throw new OperationFailedException($"model '{model}' failed the validation gate ({string.Join("; ", report.Checks.Where(c => !c.Passed).Select(c => c.Name))}); refusing to continue. Report: {Path.Combine(RunDir(model, key), "validate.json")}") { Model = model };
        // The output may have changed since it was validated: never let a later step follow a link out of it.
        // A key reused from the zoo (or a later step in a fresh job) may have no local output: its files
        // come from its image, verified by digest, and a step that reads files fails on a missing one.
        if (Directory.Exists(OutputDir(model, key)))
            Training.TrainingOutput.RequireConfined(OutputDir(model, key), model);
        return key;
    }

    private static T? Read<T>(string path) where T : class
    {
        if (!File.Exists(path)) return null;
        try
        {
            // Records are small: one read and a parse of the bytes is cheaper than the stream reader.
            return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), Json);
        }
        catch (JsonException ex)
        {
            throw new OperationFailedException($"run state file {path} is unreadable ({ex.Message}). Fix: delete it and re-run the step that writes it.");
        }
    }

    /// <summary>
    /// Writes the record atomically, unless the file already holds exactly these bytes: an unchanged step
    /// of a run over many models then writes nothing (a rename over a file costs a flush on ext4).
    /// </summary>
    public static void Write<T>(string path, T value)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, Json);
        if (Holds(path, bytes)) return;
        AtomicFile.WriteAllBytes(path, bytes);
    }

    private static bool Holds(string path, byte[] bytes)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists && info.Length == bytes.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}

public sealed record CurrentRun
{
    public required string TrainingKey { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}
