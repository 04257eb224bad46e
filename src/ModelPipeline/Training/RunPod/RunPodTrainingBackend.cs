using System.Text.Json.Nodes;
using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Training.Archives;
using ModelPipeline.Training.Remote;

namespace ModelPipeline.Training.RunPod;

/// <summary>
/// Trains on a RunPod serverless endpoint: <c>POST /v2/{endpoint}/run</c> (the job id is recorded
/// before waiting; a re-run attaches to it), <c>GET /status/{id}</c> until a terminal state,
/// <c>POST /cancel/{id}</c> at the deadline or on Ctrl-C; then downloads the archive the job's
/// output names and safely extracts its model folder.
/// </summary>
public sealed class RunPodTrainingBackend(PipelineConfig config, RunStateStore state, IPipelineReporter reporter) : ITrainingBackend
{
    private static readonly string[] Terminal = ["COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED"];

    public string Name => "runpod";

    public static RunPodOptions Settings(Models.ModelDefinition model, PipelineConfig config) =>
        RemoteOptions.Resolve<RunPodOptions>(model, config, "runpod", RunPodOptions.Check);

    public async Task<string> TrainAsync(TrainingRequest request, CancellationToken ct)
    {
        var model = request.Model;
        var o = Settings(model, config);
        var token = RemoteOptions.Secret(o.TokenEnv)
            ?? throw new InvalidInputException($"model '{model.Name}': the RunPod API key variable {o.TokenEnv} is not set. Fix: export it (keys are read only from the environment).") { Model = model.Name };
        using var http = new RemoteHttp("RunPod", token, o.Retries, reporter, model.Name);
        // The archive may live on another host (a presigned URL): it never gets the API key.
        using var download = new RemoteHttp("archive download", null, o.Retries, reporter, model.Name);
        var api = $"{o.ApiUrl.TrimEnd('/')}/v2/{o.EndpointId}";

        JsonNode? job = null;
        var recorded = state.ReadRun<RemoteRun>(model.Name, request.TrainingKey, "remote");
        if (recorded?.Backend == Name && await StatusAsync(http, api, recorded.RunId, ct) is { } known && Status(known) is var s && (!s.Terminal || s.Succeeded))
        {
            job = known;
            reporter.Info(model.Name, $"attaching to RunPod job {recorded.RunId} ({s.State}) for training key {request.TrainingKey[..12]}: no new job submitted");
        }
        if (job is null)
        {
            var input = new JsonObject();
            foreach (var (k, v) in o.Input) input[k] = RemoteInputs.Node(v);
            input["model"] = model.Name;
            input["training_key"] = request.TrainingKey;
            input["hyperparameters"] = RemoteInputs.Hyperparameters(model);
            input["data"] = RemoteInputs.DataReferences(model);
            job = await http.SendAsync(HttpMethod.Post, $"{api}/run", new JsonObject { ["input"] = input }, ct);
        }
        var jobId = job?["id"]?.GetValue<string>() ?? throw new OperationFailedException($"model '{model.Name}': RunPod answered the job without an id.") { Model = model.Name };
        state.WriteRun(model.Name, request.TrainingKey, "remote", new RemoteRun { Backend = Name, RunId = jobId, Link = o.Link(jobId), SubmittedAt = DateTimeOffset.UtcNow, State = Status(job).State });
        if (recorded?.RunId != jobId) reporter.Info(model.Name, $"RunPod job {jobId} submitted: {o.Link(jobId)}");

        var status = Status(job);
        if (!status.Terminal)
            status = await new RemoteWait(reporter, model.Name, "RunPod", jobId, o.Link(jobId))
            {
                Poll = async t => Status(await StatusAsync(http, api, jobId, t) ?? throw new OperationFailedException($"model '{model.Name}': RunPod no longer knows job {jobId}. Fix: re-run Train to submit again.") { Model = model.Name }),
                Cancel = t => http.SendAsync(HttpMethod.Post, $"{api}/cancel/{Uri.EscapeDataString(jobId)}", null, t),
                Timeout = TimeSpan.FromSeconds(model.Training.TimeoutSeconds),
                FirstDelay = TimeSpan.FromSeconds(o.PollSeconds),
                MaxDelay = TimeSpan.FromSeconds(o.MaxPollSeconds),
            }.RunAsync(ct);
        state.WriteRun(model.Name, request.TrainingKey, "remote", new RemoteRun { Backend = Name, RunId = jobId, Link = o.Link(jobId), SubmittedAt = DateTimeOffset.UtcNow, State = status.State });
        if (!status.Succeeded)
            throw new OperationFailedException($"model '{model.Name}': RunPod job {jobId} ended {status.State}{(status.Error is null ? "" : $": {status.Error}")}. Re-running Train submits a new job.") { Model = model.Name };

        var (url, digest) = ArchiveOf(status.Document!, model.Name, jobId);
        var runDir = state.RunDir(model.Name, request.TrainingKey);
        var archive = await new ArchiveDownload(download, reporter, model.Name).DownloadAsync(url, digest, Path.Combine(runDir, $"archive.{jobId}.part"), ct);
        try
        {
            var limits = new ExtractionLimits
            {
                MaxTotalBytes = model.Artifacts.MaxTotalBytes,
                MaxEntryBytes = model.Validation.MaxFileBytes ?? model.Artifacts.MaxTotalBytes,
                MaxEntries = o.MaxEntries,
                MaxCompressionRatio = o.MaxCompressionRatio,
            };
            var count = SafeExtractor.Extract(archive, o.ArchiveSubfolder, request.OutputDir, limits, model.Name);
            reporter.Info(model.Name, $"extracted {count} file(s) from {o.ArchiveSubfolder} of the job's archive");
        }
        finally
        {
            File.Delete(archive);
        }
        return jobId;
    }

    private static async Task<JsonNode?> StatusAsync(RemoteHttp http, string api, string jobId, CancellationToken ct)
    {
        try
        {
            return await http.SendAsync(HttpMethod.Get, $"{api}/status/{Uri.EscapeDataString(jobId)}", null, ct);
        }
        catch (RemoteHttpException ex) when (ex.Status == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static RemoteStatus Status(JsonNode? job)
    {
        var state = job?["status"]?.GetValue<string>() ?? "UNKNOWN";
        var error = job?["error"] is { } e ? (e.GetValueKind() == System.Text.Json.JsonValueKind.String ? e.GetValue<string>() : e.ToJsonString()) : null;
        return new RemoteStatus(state, Terminal.Contains(state), state == "COMPLETED", error, job);
    }

    /// <summary>The handler's output: <c>{ "archive_url": "...", "sha256": "..." }</c> (or the URL alone).</summary>
    private static (Uri Url, string? Sha256) ArchiveOf(JsonNode job, string model, string jobId)
    {
        var output = job["output"];
        var url = output?.GetValueKind() == System.Text.Json.JsonValueKind.String ? output.GetValue<string>() : output?["archive_url"]?.GetValue<string>();
        var digest = output?.GetValueKind() == System.Text.Json.JsonValueKind.Object ? output["sha256"]?.GetValue<string>() : null;
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new OperationFailedException($"model '{model}': RunPod job {jobId} completed, but its output names no archive (expected {{\"archive_url\": \"https://…\", \"sha256\": \"…\"}}, got {output?.ToJsonString() ?? "nothing"}). Fix: make the handler return that (see README, Remote training).") { Model = model };
        return (uri, digest);
    }
}
