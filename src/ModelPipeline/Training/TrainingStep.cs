using System.Diagnostics;
using ModelPipeline.Errors;
using ModelPipeline.Fetching;
using ModelPipeline.Models;
using ModelPipeline.Progress;
using ModelPipeline.RunState;

namespace ModelPipeline.Training;

/// <summary>
/// The Train step: computes the training key and, holding that key's lock, reuses the zoo's
/// version when the key is published (see TrainingStep.Reuse.cs), skips training when this
/// workspace already has output for it, otherwise runs the backend into a staging folder and keeps
/// its files only on success.
/// </summary>
public sealed partial class TrainingStep(RunStateStore state, IPipelineReporter reporter, IReadOnlyDictionary<string, ITrainingBackend> backends)
{
    /// <summary>The data cache Fetch filled (url and git sources are found there by digest).</summary>
    public required string CacheDir { get; init; }

    public TrainingStep(RunStateStore state, IPipelineReporter reporter, IReadOnlyCollection<string>? withheldVariables = null)
        : this(state, reporter, new Dictionary<string, ITrainingBackend> { ["local"] = new LocalTrainingBackend(reporter, withheldVariables) }) { }

    public async Task<(TrainingRecord Record, bool Skipped)> TrainAsync(ModelDefinition model, CancellationToken ct = default)
    {
        if (model.Training.Backend == Importing.ImportStep.Backend) return await ImportedAsync(model, ct);
        var fetch = state.ReadModel<FetchRecord>(model.Name, "fetch")
            ?? throw new OperationFailedException($"model '{model.Name}': no fetched data in this workspace. Fix: run ./build.sh Fetch --model {model.Name} first.") { Model = model.Name };
        await EnsureFetchIsCurrentAsync(model, fetch, ct);

        var key = await TrainingKey.ComputeAsync(model, fetch, ct);
        await StagingSweep.RunAsync(state, model.Name, reporter, ct);
        // Parallel runs in one workspace take turns per key: the second one then reuses the first one's result.
        using var held = await FileLock.AcquireAsync(StagingSweep.LockPath(state, model.Name, key),
            TimeSpan.FromSeconds(model.Training.TimeoutSeconds + 600), $"training key {key[..12]} of model '{model.Name}'", ct);
        var output = state.OutputDir(model.Name, key);
        var previous = state.ReadRun<TrainingRecord>(model.Name, key, "train");
        if (await FindPublishedAsync(model, key, ct) is { } published)
            return Retrain ? await RetrainAsync(model, fetch, key, published, ct) : Reuse(model, key, published, previous);
        if (previous is not null && previous.ReusedVersion is null && Directory.Exists(output) && !Retrain)
        {
            state.SetCurrentKey(model.Name, key);
            reporter.Info(model.Name, $"training key {key[..12]} unchanged; reusing run {previous.RunId}");
            return (previous, true);
        }

        var record = await RunBackendAsync(model, fetch, key, output, ct);
        state.WriteRun(model.Name, key, "train", record);
        state.SetCurrentKey(model.Name, key);
        return (record, false);
    }

    /// <summary>Runs the model's backend into a staging folder and moves its files to <paramref name="output"/> only on success.</summary>
    private async Task<TrainingRecord> RunBackendAsync(ModelDefinition model, FetchRecord fetch, string key, string output, CancellationToken ct)
    {
        if (!backends.TryGetValue(model.Training.Backend, out var backend))
            throw new InvalidInputException($"model '{model.Name}', {model.Name}/model.json: $.training.backend: '{model.Training.Backend}' is not available in this installation. Fix: use one of {string.Join(", ", backends.Keys)}.") { Model = model.Name };

        var runDir = state.RunDir(model.Name, key);
        var staging = Path.Combine(runDir, $"output.{Guid.NewGuid():N}.tmp");
        var dataDir = Path.Combine(runDir, "data");
        Directory.CreateDirectory(staging);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        try
        {
            var dataPaths = LinkData(fetch, dataDir);
            var runId = await backend.TrainAsync(new TrainingRequest
            {
                Model = model,
                TrainingKey = key,
                DataDir = dataDir,
                OutputDir = staging,
                DataPaths = dataPaths,
            }, ct);
            TrainingOutput.RequireConfined(staging, model.Name);
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
            Directory.Move(staging, output);
            return new TrainingRecord
            {
                Model = model.Name,
                TrainingKey = key,
                Backend = backend.Name,
                RunId = runId,
                RunUrl = state.ReadRun<Remote.RemoteRun>(model.Name, key, "remote") is { } remote && remote.RunId == runId ? remote.Link : null,
                OutputDir = state.Relative(output),
                StartedAt = started,
                DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
                Files = Digests.Files(output).ToList(),
            };
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Refuses to train on data fetched for a different definition.</summary>
    private async Task EnsureFetchIsCurrentAsync(ModelDefinition model, FetchRecord fetch, CancellationToken ct)
    {
        var byName = fetch.Sources.ToDictionary(s => s.Name);
        foreach (var source in model.Data)
        {
            var stale = !byName.TryGetValue(source.Name, out var got) || source.Kind switch
            {
                DataSourceKind.Url => got.Digest != source.Sha256 || !File.Exists(Locate(got)),
                DataSourceKind.Git => !got.Digest.StartsWith("git:" + source.Commit, StringComparison.Ordinal) || !Directory.Exists(Locate(got)),
                _ => got.Path is null || got.Digest != await Digests.PathSha256Async(Locate(got), ct),
            };
            if (stale)
                throw new OperationFailedException($"model '{model.Name}': data source '{source.Name}' changed since the last Fetch. Fix: run ./build.sh Fetch --model {model.Name}.") { Model = model.Name };
        }
    }

    private Dictionary<string, string> LinkData(FetchRecord fetch, string dataDir)
    {
        if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        Directory.CreateDirectory(dataDir);
        var paths = new Dictionary<string, string>();
        foreach (var source in fetch.Sources)
        {
            var link = Path.Combine(dataDir, source.Name);
            var local = Locate(source);
            if (Directory.Exists(local)) Directory.CreateSymbolicLink(link, local);
            else File.CreateSymbolicLink(link, local);
            paths[source.Name] = local;
        }
        return paths;
    }

    private string Locate(FetchedSource source) => source.Locate(state.ProjectRoot, CacheDir);
}
