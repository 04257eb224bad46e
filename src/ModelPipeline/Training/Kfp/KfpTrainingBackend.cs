using System.Text.Json.Nodes;
using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Training.Remote;

namespace ModelPipeline.Training.Kfp;

/// <summary>
/// Trains on Kubeflow Pipelines: creates a run of the configured pipeline (or attaches to the run
/// that already carries the training key), waits for it, and collects the trained files from its
/// output artifact or the configured output URI.
/// </summary>
public sealed class KfpTrainingBackend(PipelineConfig config, RunStateStore state, IPipelineReporter reporter) : ITrainingBackend
{
    public string Name => "kfp";

    public static KfpOptions Settings(Models.ModelDefinition model, PipelineConfig config) =>
        RemoteOptions.Resolve<KfpOptions>(model, config, "kfp", KfpOptions.Check);

    public async Task<string> TrainAsync(TrainingRequest request, CancellationToken ct)
    {
        var model = request.Model;
        var o = Settings(model, config);
        var token = RemoteOptions.Secret(o.TokenEnv);
        if (o.TokenEnv is not null && token is null)
            throw new InvalidInputException($"model '{model.Name}': the Kubeflow Pipelines token variable {o.TokenEnv} is not set. Fix: export it (tokens are read only from the environment).") { Model = model.Name };
        using var http = new RemoteHttp("Kubeflow Pipelines", token, o.Retries, reporter, model.Name);
        var kfp = new KfpClient(http, o.Endpoint!);
        var displayName = $"{model.Name}-{request.TrainingKey}";

        var run = await AttachAsync(kfp, model.Name, request.TrainingKey, displayName, o, ct);
        if (run is null)
        {
            var body = await NewRunAsync(kfp, request, displayName, o, ct);
            try
            {
                run = await kfp.CreateRunAsync(body, ct);
            }
            catch (RemoteHttpException)
            {
                // The create may have failed on the way back with the run made: never submit twice.
                var made = await kfp.FindRunsAsync(displayName, o.ExperimentId, ct);
                if (made.Count == 0) throw;
                run = made[0];
            }
            reporter.Info(model.Name, $"Kubeflow Pipelines run {Id(run)} created: {o.Link(Id(run))}");
        }
        var runId = Id(run);
        state.WriteRun(model.Name, request.TrainingKey, "remote", new RemoteRun { Backend = Name, RunId = runId, Link = o.Link(runId), SubmittedAt = DateTimeOffset.UtcNow, State = KfpClient.Status(run).State });

        var status = KfpClient.Status(run);
        if (!status.Terminal)
            status = await new RemoteWait(reporter, model.Name, "Kubeflow Pipelines", runId, o.Link(runId))
            {
                Poll = async t => KfpClient.Status(await kfp.GetRunAsync(runId, t) ?? throw new OperationFailedException($"model '{model.Name}': Kubeflow Pipelines run {runId} disappeared. Fix: re-run Train to submit again.") { Model = model.Name }),
                Cancel = t => kfp.TerminateRunAsync(runId, t),
                Timeout = TimeSpan.FromSeconds(model.Training.TimeoutSeconds),
                FirstDelay = TimeSpan.FromSeconds(o.PollSeconds),
                MaxDelay = TimeSpan.FromSeconds(o.MaxPollSeconds),
            }.RunAsync(ct);
        state.WriteRun(model.Name, request.TrainingKey, "remote", new RemoteRun { Backend = Name, RunId = runId, Link = o.Link(runId), SubmittedAt = DateTimeOffset.UtcNow, State = status.State });
        if (!status.Succeeded)
            throw new OperationFailedException($"model '{model.Name}': Kubeflow Pipelines run {runId} ended {status.State}{(status.Error is null ? "" : $": {status.Error}")}. See {o.Link(runId)}; re-running Train submits a new run.") { Model = model.Name };

        var source = o.OutputUriFor(model.Name, request.TrainingKey) is { } uri ? new Uri(uri) : await OutputArtifactAsync(kfp, status.Document!, o, model.Name, runId, ct);
        // Only the KFP host itself gets the token; any other http(s) artifact host is read without it.
        using var plain = new RemoteHttp("artifact download", null, o.Retries, reporter, model.Name);
        var reader = source.Host == new Uri(o.Endpoint!).Host ? http : plain;
        var count = await new ArtifactCollector(model, o.ArtifactStore, reporter).CollectAsync(source, request.OutputDir, reader, ct);
        reporter.Info(model.Name, $"collected {count} file(s) from {source}");
        return runId;
    }

    /// <summary>The run recorded in remote.json, else the newest run named for this key that did not fail.</summary>
    private async Task<JsonNode?> AttachAsync(KfpClient kfp, string model, string key, string displayName, KfpOptions o, CancellationToken ct)
    {
        var recorded = state.ReadRun<RemoteRun>(model, key, "remote");
        var candidates = new List<JsonNode>();
        if (recorded?.Backend == Name && await kfp.GetRunAsync(recorded.RunId, ct) is { } known) candidates.Add(known);
        candidates.AddRange(await kfp.FindRunsAsync(displayName, o.ExperimentId, ct));
        var usable = candidates.FirstOrDefault(r => KfpClient.Status(r) is var s && (!s.Terminal || s.Succeeded));
        if (usable is not null)
            reporter.Info(model, $"attaching to Kubeflow Pipelines run {Id(usable)} ({KfpClient.Status(usable).State}) for training key {key[..12]}: no new run submitted");
        return usable;
    }

    private static async Task<JsonObject> NewRunAsync(KfpClient kfp, TrainingRequest request, string displayName, KfpOptions o, CancellationToken ct)
    {
        var model = request.Model;
        var pipelineId = o.PipelineId ?? await kfp.PipelineIdAsync(o.PipelineName!, ct);
        var versionId = o.PipelineVersionId ?? (o.PipelineVersion is null ? null : await kfp.PipelineVersionIdAsync(pipelineId, o.PipelineVersion, ct));
        var parameters = new JsonObject();
        foreach (var (k, v) in o.Parameters) parameters[k] = RemoteInputs.Node(v);
        foreach (var (k, v) in RemoteInputs.Hyperparameters(model)) parameters[k] = v?.DeepClone();
        parameters["model_name"] = model.Name;
        parameters["training_key"] = request.TrainingKey;
        parameters["data_refs"] = RemoteInputs.DataReferences(model).ToJsonString();
        if (o.OutputUriFor(model.Name, request.TrainingKey) is { } output) parameters["output_uri"] = output;
        var reference = new JsonObject { ["pipeline_id"] = pipelineId };
        if (versionId is not null) reference["pipeline_version_id"] = versionId;
        var run = new JsonObject
        {
            ["display_name"] = displayName,
            ["description"] = $"modelpipe: model {model.Name}, training key {request.TrainingKey}",
            ["pipeline_version_reference"] = reference,
            ["runtime_config"] = new JsonObject { ["parameters"] = parameters },
        };
        if (o.ExperimentId is not null) run["experiment_id"] = o.ExperimentId;
        return run;
    }

    /// <summary>The URI of the output artifact named <see cref="KfpOptions.OutputArtifact"/> in the run's task details.</summary>
    private static async Task<Uri> OutputArtifactAsync(KfpClient kfp, JsonNode run, KfpOptions o, string model, string runId, CancellationToken ct)
    {
        var ids = (run["run_details"]?["task_details"]?.AsArray() ?? [])
            .Select(t => t?["outputs"]?[o.OutputArtifact]?["artifact_ids"]?.AsArray())
            .Where(a => a is { Count: > 0 })
            .Select(a => a![0]!.ToString())
            .ToList();
        if (ids.Count == 0)
            throw new OperationFailedException($"model '{model}': Kubeflow Pipelines run {runId} succeeded but no task has an output artifact named '{o.OutputArtifact}'. Fix: name the pipeline's model output '{o.OutputArtifact}' (training.options.outputArtifact), or set training.options.outputUri.") { Model = model };
        var artifact = await kfp.GetArtifactAsync(ids[^1], ct);
        var uri = artifact["uri"]?.GetValue<string>();
        if (uri is not null && (uri.StartsWith("s3://", StringComparison.Ordinal) || uri.StartsWith("minio://", StringComparison.Ordinal)) && o.ArtifactStore is not null)
            return new Uri(uri);
        var download = artifact["download_url"]?.GetValue<string>() ?? uri;
        if (download is null || !Uri.TryCreate(download, UriKind.Absolute, out var result) || result.Scheme is not ("http" or "https" or "s3" or "minio"))
            throw new OperationFailedException($"model '{model}': the output artifact '{o.OutputArtifact}' of run {runId} has no readable URI ('{uri}'). Fix: configure training.options.artifactStore for s3:// artifacts.") { Model = model };
        return result;
    }

    private static string Id(JsonNode run) => run["run_id"]?.GetValue<string>() ?? throw new OperationFailedException("Kubeflow Pipelines answered a run without run_id.");
}
