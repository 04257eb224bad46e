using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Models;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Training;
using ModelPipeline.Validation;
using ModelPipeline.Zoo;

namespace ModelPipeline.Importing;

/// <summary>What the import step produced: the training record, the gate's report, the source's content digest.</summary>
public sealed record ImportResult(TrainingRecord Training, ValidationReport Validation, string? Layout, int? PublishedVersion);

/// <summary>
/// The import step, the Train of a model trained elsewhere: stages the source's files, runs the
/// validation gate on them, and only when it passes keeps them as the output of a training key
/// that is a digest of the definition and the files' content. It writes the same run state Train
/// and Validate write (<c>train.json</c> with <see cref="TrainingRecord.ImportedFrom"/>,
/// <c>validate.json</c>, <c>current.json</c>), so PackageModelCar, ServeCheck and PushMirrors run
/// unchanged. The same files imported again are the same key, so the zoo's version is reused.
/// </summary>
public sealed class ImportStep(PipelineConfig config, RunStateStore state, IPipelineReporter reporter)
{
    /// <summary>The <c>training.backend</c> of a model whose versions are imported.</summary>
    public const string Backend = "import";

    /// <summary>The zoo to look the key up in (null: only this workspace's run state counts).</summary>
    public ZooRepository? Zoo { get; init; }

    public async Task<ImportResult> ImportAsync(ModelDefinition model, ImportRequest request, CancellationToken ct = default)
    {
        if (model.Training.Backend != Backend)
            throw new InvalidInputException($"model '{model.Name}', models/{model.Name}/model.json: $.training.backend is " +
                $"\"{model.Training.Backend}\": this model is trained by the pipeline, not imported. " +
                $"Fix: import into a model with \"training\": {{ \"backend\": \"import\" }} (docs/import.md).") { Model = model.Name };
        var source = ImportSource.Parse(model.Name, request.From, request.Sha256);
        var metrics = request.MetricsFile is null ? null : ImportMetrics.Check(model.Name, request.MetricsFile);
        var staging = Path.Combine(state.ModelDir(model.Name), "import", $"staging.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(staging);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        try
        {
            var (kind, fileSha) = await new ImportStager(config, reporter, model).StageAsync(source, staging, ct);
            var content = fileSha ?? await Digests.PathSha256Async(staging, ct);
            if (request.Sha256 is { } expected && expected != content)
                throw new OperationFailedException($"model '{model.Name}': --from {source.Display}: sha256 mismatch: expected " +
                    $"{expected}, got {content}{(fileSha is null ? " (the folder digest: sorted \"path sha256\" lines)" : "")}; " +
                    "nothing was imported. Fix: if the files changed on purpose, pass the new digest; otherwise the source " +
                    "sent something else.") { Model = model.Name };
            if (metrics is not null) ImportMetrics.Add(model.Name, metrics, staging);
            var layout = HuggingFaceLayout.Describe(model.Name, staging);
            if (layout is not null) reporter.Info(model.Name, layout);

            var report = await Validator.CheckAsync(model, "", staging, ct);
            var key = Key(model, report.Manifest);
            report = report with { TrainingKey = key };
            if (!report.Passed)
                throw new GateFailedException($"model '{model.Name}': the files from {source.Display} failed the validation gate; " +
                    "nothing was imported or published.", report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}").ToList())
                    { Model = model.Name };
            var lineage = new ImportLineage
            {
                Kind = kind,
                Uri = source.Kind == ImportSourceKind.Path ? state.RecordPath(source.Location)! : source.Display,
                Sha256 = content,
                ImageDigest = source.Digest,
                HuggingFace = layout is not null,
                ImportedAt = started,
            };
            return await KeepAsync(model, key, staging, report, lineage, layout, started, clock, ct);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            var parent = Path.GetDirectoryName(staging)!;
            if (Directory.Exists(parent) && !Directory.EnumerateFileSystemEntries(parent).Any()) Directory.Delete(parent);
        }
    }

    /// <summary>Under the key's lock: the staged files become the key's output; the run state says so.</summary>
    private async Task<ImportResult> KeepAsync(ModelDefinition model, string key, string staging, ValidationReport report,
        ImportLineage lineage, string? layout, DateTimeOffset started, Stopwatch clock, CancellationToken ct)
    {
        using var held = await FileLock.AcquireAsync(StagingSweep.LockPath(state, model.Name, key), TimeSpan.FromMinutes(30),
            $"training key {key[..12]} of model '{model.Name}'", ct);
        var published = Zoo is null ? null : await Zoo.FindByKeyAsync(model.Name, key, ct);
        var output = state.OutputDir(model.Name, key);
        Directory.CreateDirectory(state.RunDir(model.Name, key));
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        Directory.Move(staging, output);
        var record = new TrainingRecord
        {
            Model = model.Name,
            TrainingKey = key,
            Backend = Backend,
            RunId = $"import:{key[..12]}",
            OutputDir = state.Relative(output),
            StartedAt = started,
            DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            Files = report.Manifest.Select(f => f.Path).ToList(),
            ReusedVersion = published?.Version,
            ImportedFrom = lineage,
        };
        if (published is not null) state.WriteRun(model.Name, key, "published", published);
        else if (File.Exists(Path.Combine(state.RunDir(model.Name, key), "published.json"))) state.DeleteRun(model.Name, key, "published");
        state.WriteRun(model.Name, key, "train", record);
        state.WriteRun(model.Name, key, "validate", report);
        state.SetCurrentKey(model.Name, key);
        reporter.Info(model.Name, $"imported {report.Manifest.Count} file(s) from {lineage.Uri} (sha256 {lineage.Sha256[..12]}) " +
            $"as training key {key[..12]}" + (published is null ? "" : $"; the zoo already holds it as v{published.Version}"));
        return new ImportResult(record, report, layout, published?.Version);
    }

    /// <summary>
    /// The training key of imported files: the model's name, training and artifacts sections and every
    /// file's path and sha256 (not where they came from: the same files from anywhere are one version).
    /// </summary>
    public static string Key(ModelDefinition model, IReadOnlyList<FileEntry> manifest)
    {
        var files = new JsonObject();
        foreach (var f in manifest.OrderBy(f => f.Path, StringComparer.Ordinal)) files[f.Path] = f.Sha256;
        var document = new JsonObject
        {
            ["v"] = 1,
            ["import"] = true,
            ["definition"] = new JsonObject
            {
                ["name"] = model.Name,
                ["training"] = JsonSerializer.SerializeToNode(model.Training, RunStateStore.Json),
                ["artifacts"] = JsonSerializer.SerializeToNode(model.Artifacts, RunStateStore.Json),
            },
            ["files"] = files,
        };
        return Digests.Sha256(document.ToJsonString());
    }
}
