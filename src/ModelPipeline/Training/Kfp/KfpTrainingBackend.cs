using System.Text.Json.Nodes;
using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Training.Remote;

namespace ModelPipeline.Training.Kfp;

/// <summary>
/// Trains on Kubeflow Pipelines: creates a run of the configured pipeline (or attaches to the run
/// that already carries the training key, unless it is CANCELING/CANCELED/FAILED or its output was
/// refused), waits for it, and collects the trained files from its output artifact or the
/// configured output URI. The token goes only to the API's exact origin. A run whose output is
/// refused is archived and recorded as refused, so the next Train submits a new run.
/// </summary>
public sealed class KfpTrainingBackend(PipelineConfig config, RunStateStore state, IPipelineReporter reporter) : ITrainingBackend
{
    private const string Service = "Kubeflow Pipelines";

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
        var credential = token is null ? null : new RemoteCredential(token, o.TokenEnv!, RemoteOrigin.ForToken(o.Endpoint!, Service, o.TokenEnv!, model.Name));
        using var http = new RemoteHttp(Service, credential, o.Retries, reporter, model.Name);
        var kfp = new KfpClient(http, o.Endpoint!);
        var displayName = $"{model.Name}-{request.TrainingKey}";
        var recorded = state.ReadRun<RemoteRun>(model.Name, request.TrainingKey, "remote");
        var refused = recorded?.Backend == Name ? recorded.Refused : [];

        var (run, seen) = await AttachAsync(kfp, model.Name, request.TrainingKey, displayName, recorded, o, ct);
        if (run is null)
        {
            var body = await NewRunAsync(kfp, request, displayName, o, ct);
            try
            {
                run = await kfp.CreateRunAsync(body, ct);
            }
            catch (RemoteHttpException ex)
            {
                // The create may have failed on the way back with the run made: adopt only a run that was not there before.
                var made = (await kfp.FindRunsAsync(displayName, o.ExperimentId, ct)).Where(r => !seen.Contains(RunId(r, model.Name))).ToList();
                if (made.Count == 0)
                    throw new OperationFailedException($"model '{model.Name}': creating the Kubeflow Pipelines run failed: {ex.Message} No run was created; re-run Train to try again.", ex) { Model = model.Name };
                run = made[0];
            }
            reporter.Info(model.Name, $"Kubeflow Pipelines run {RunId(run, model.Name)} created: {o.Link(RunId(run, model.Name))}");
        }
        var runId = RunId(run, model.Name);
        RemoteRun Record(string s) => new() { Backend = Name, RunId = runId, Link = o.Link(runId), SubmittedAt = DateTimeOffset.UtcNow, State = s, Refused = refused };
        state.WriteRun(model.Name, request.TrainingKey, "remote", Record(KfpClient.Status(run).State));

        var status = KfpClient.Status(run);
        if (!status.Terminal)
            status = await new RemoteWait(reporter, model.Name, Service, runId, o.Link(runId))
            {
                Poll = async t => KfpClient.Status(await kfp.GetRunAsync(runId, t) ?? throw new OperationFailedException($"model '{model.Name}': Kubeflow Pipelines run {runId} disappeared. Fix: re-run Train to submit again.") { Model = model.Name }),
                Cancel = t => kfp.TerminateRunAsync(runId, t),
                Timeout = TimeSpan.FromSeconds(model.Training.TimeoutSeconds),
                FirstDelay = TimeSpan.FromSeconds(o.PollSeconds),
                MaxDelay = TimeSpan.FromSeconds(o.MaxPollSeconds),
            }.RunAsync(ct);
        state.WriteRun(model.Name, request.TrainingKey, "remote", Record(status.State));
        if (!status.Succeeded)
            throw new OperationFailedException($"model '{model.Name}': Kubeflow Pipelines run {runId} ended {status.State}{(status.Error is null ? "" : $": {status.Error}")}. See {o.Link(runId)}; re-running Train submits a new run.") { Model = model.Name };

        try
        {
            var source = o.OutputUriFor(model.Name, request.TrainingKey) is { } uri ? new Uri(uri) : await OutputArtifactAsync(kfp, status.Document!, o, model.Name, runId, ct);
            // The token goes only to the API's own origin (RemoteHttp checks scheme, host and port per request).
            var count = await new ArtifactCollector(model, o.ArtifactStore, reporter).CollectAsync(source, request.OutputDir, http, ct);
            reporter.Info(model.Name, $"collected {count} file(s) from {source}");
        }
        catch (RefusedOutputException ex)
        {
            state.WriteRun(model.Name, request.TrainingKey, "remote", Record(status.State) with { Refused = [.. refused, runId] });
            await ArchiveQuietlyAsync(kfp, runId, model.Name, ct);
            throw new RefusedOutputException($"{ex.Message} Run {runId} is marked unusable (and archived); re-running Train submits a new run.", ex) { Model = model.Name };
        }
        return runId;
    }

    /// <summary>
    /// The run recorded in remote.json, else the newest run named for this key, that is still going
    /// (not CANCELING) or succeeded, and whose output was not refused. Also returns every run id seen.
    /// </summary>
    private async Task<(JsonNode? Run, HashSet<string> Seen)> AttachAsync(KfpClient kfp, string model, string key, string displayName, RemoteRun? recorded, KfpOptions o, CancellationToken ct)
    {
        var refused = recorded?.Backend == Name ? recorded.Refused : [];
        var candidates = new List<JsonNode>();
        if (recorded?.Backend == Name && !refused.Contains(recorded.RunId) && await kfp.GetRunAsync(RemoteText.Id(recorded.RunId, Service, "run id", model), ct) is { } known)
            candidates.Add(known);
        candidates.AddRange(await kfp.FindRunsAsync(displayName, o.ExperimentId, ct));
        var seen = candidates.Select(r => RunId(r, model)).ToHashSet(StringComparer.Ordinal);
        var usable = candidates.FirstOrDefault(r => KfpClient.Status(r) is var s && !refused.Contains(RunId(r, model))
            && s.State != "CANCELING" && (!s.Terminal || s.Succeeded));
        if (usable is not null)
            reporter.Info(model, $"attaching to Kubeflow Pipelines run {RunId(usable, model)} ({KfpClient.Status(usable).State}) for training key {key[..12]}: no new run submitted");
        return (usable, seen);
    }

    private async Task ArchiveQuietlyAsync(KfpClient kfp, string runId, string model, CancellationToken ct)
    {
        try
        {
            await kfp.ArchiveRunAsync(runId, ct);
        }
        catch (RemoteHttpException ex)
        {
            reporter.Warning(model, $"Kubeflow Pipelines run {runId} could not be archived ({ex.Message}); this workspace will not reuse it, a fresh one would try it once more");
        }
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

    /// <summary>
    /// The URI of the output artifact named <see cref="KfpOptions.OutputArtifact"/> in the run's task
    /// details; a run from a list without <c>run_details</c> is fetched (<c>GET /runs/{id}</c>) first.
    /// </summary>
    private static async Task<Uri> OutputArtifactAsync(KfpClient kfp, JsonNode run, KfpOptions o, string model, string runId, CancellationToken ct)
    {
        if (run["run_details"]?["task_details"] is null) run = await kfp.GetRunAsync(runId, ct) ?? run;
        var ids = (run["run_details"]?["task_details"]?.AsArray() ?? [])
            .Select(t => t?["outputs"]?[o.OutputArtifact]?["artifact_ids"]?.AsArray())
            .Where(a => a is { Count: > 0 })
            .Select(a => a![0]!.ToString())
            .ToList();
        if (ids.Count == 0)
            throw new OperationFailedException($"model '{model}': Kubeflow Pipelines run {runId} succeeded but no task has an output artifact named '{o.OutputArtifact}'. Fix: name the pipeline's model output '{o.OutputArtifact}' (training.options.outputArtifact), or set training.options.outputUri.") { Model = model };
        var artifact = await kfp.GetArtifactAsync(RemoteText.Id(ids[^1], Service, "artifact id", model), ct);
        var uri = artifact["uri"]?.GetValue<string>();
        if (uri is not null && (uri.StartsWith("s3://", StringComparison.Ordinal) || uri.StartsWith("minio://", StringComparison.Ordinal)) && o.ArtifactStore is not null)
            return new Uri(uri);
        var download = artifact["download_url"]?.GetValue<string>() ?? uri;
        if (download is null || !Uri.TryCreate(download, UriKind.Absolute, out var result) || result.Scheme is not ("http" or "https" or "s3" or "minio"))
            throw new RefusedOutputException($"model '{model}': the output artifact '{o.OutputArtifact}' of run {runId} has no readable URI ('{RemoteText.Quote(uri, 200)}'). Fix: configure training.options.artifactStore for s3:// artifacts.") { Model = model };
        return result;
    }

    private static string RunId(JsonNode run, string model) =>
        RemoteText.Id(run["run_id"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? run["run_id"]!.GetValue<string>() : null, Service, "run id", model);
}
