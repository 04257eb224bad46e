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
/// output names and safely extracts its model folder. The job id is checked before it reaches a
/// path or URL; a refused output (wrong digest, hostile archive, 4xx on the archive URL) marks the
/// job unusable, so the next Train submits a new job instead of attaching to it again.
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
        var credential = new RemoteCredential(token, o.TokenEnv!, RemoteOrigin.ForToken(o.ApiUrl, "RunPod", o.TokenEnv!, model.Name));
        using var http = new RemoteHttp("RunPod", credential, o.Retries, reporter, model.Name);
        // The archive may live on another host (a presigned URL): it never gets the API key.
        using var download = new RemoteHttp("archive download", null, o.Retries, reporter, model.Name);
        var api = $"{o.ApiUrl.TrimEnd('/')}/v2/{o.EndpointId}";

        JsonNode? job = null;
        var recorded = state.ReadRun<RemoteRun>(model.Name, request.TrainingKey, "remote");
        var refused = recorded?.Backend == Name ? recorded.Refused : [];
        if (recorded?.Backend == Name && !refused.Contains(recorded.RunId)
            && await StatusAsync(http, api, RemoteText.Id(recorded.RunId, "RunPod", "job id", model.Name), ct) is { } known && Status(known) is var s && (!s.Terminal || s.Succeeded))
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
        var jobId = RemoteText.Id(job?["id"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? job["id"]!.GetValue<string>() : null, "RunPod", "job id", model.Name);
        RemoteRun Record(string s) => new() { Backend = Name, RunId = jobId, Link = o.Link(jobId), SubmittedAt = DateTimeOffset.UtcNow, State = s, Refused = refused };
        state.WriteRun(model.Name, request.TrainingKey, "remote", Record(Status(job).State));
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
        state.WriteRun(model.Name, request.TrainingKey, "remote", Record(status.State));
        if (!status.Succeeded)
            throw new OperationFailedException($"model '{model.Name}': RunPod job {jobId} ended {status.State}{(status.Error is null ? "" : $": {status.Error}")}. Re-running Train submits a new job.") { Model = model.Name };

        try
        {
            await CollectAsync(request, o, download, status.Document!, jobId, ct);
        }
        catch (RefusedOutputException ex)
        {
            state.WriteRun(model.Name, request.TrainingKey, "remote", Record(status.State) with { Refused = [.. refused, jobId] });
            throw new RefusedOutputException($"{ex.Message} Job {jobId} is marked unusable; re-running Train submits a new job.", ex) { Model = model.Name };
        }
        return jobId;
    }

    /// <summary>Downloads the job's archive and extracts its model folder; anything refused is a <see cref="RefusedOutputException"/>.</summary>
    private async Task CollectAsync(TrainingRequest request, RunPodOptions o, RemoteHttp download, JsonNode job, string jobId, CancellationToken ct)
    {
        var model = request.Model;
        var (url, digest) = ArchiveOf(job, model.Name, jobId);
        var runDir = state.RunDir(model.Name, request.TrainingKey);
        var archive = await new ArchiveDownload(download, reporter, model.Name, o.ArchiveLimit(model.Artifacts.MaxTotalBytes))
            .DownloadAsync(url, digest, Path.Combine(runDir, $"archive.{jobId}.part"), ct);
        try
        {
            var limits = new ExtractionLimits
            {
                MaxTotalBytes = model.Artifacts.MaxTotalBytes,
                MaxEntryBytes = model.Validation.MaxFileBytes ?? model.Artifacts.MaxTotalBytes,
                MaxEntries = o.MaxEntries,
                MaxCompressionRatio = o.MaxCompressionRatio,
            };
            int count;
            try
            {
                count = SafeExtractor.Extract(archive, o.ArchiveSubfolder, request.OutputDir, limits, model.Name);
            }
            catch (OperationFailedException ex)
            {
                throw new RefusedOutputException(ex.Message, ex) { Model = model.Name };
            }
            reporter.Info(model.Name, $"extracted {count} file(s) from {o.ArchiveSubfolder} of the job's archive");
        }
        finally
        {
            File.Delete(archive);
        }
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
        var state = job?["status"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? RemoteText.Quote(job["status"]!.GetValue<string>(), 40) : "UNKNOWN";
        var error = job?["error"] is { } e ? RemoteText.Quote(e.GetValueKind() == System.Text.Json.JsonValueKind.String ? e.GetValue<string>() : e.ToJsonString()) : null;
        return new RemoteStatus(state, Terminal.Contains(state), state == "COMPLETED", error, job);
    }

    /// <summary>The handler's output: <c>{ "archive_url": "...", "sha256": "..." }</c> (or the URL alone).</summary>
    private static (Uri Url, string? Sha256) ArchiveOf(JsonNode job, string model, string jobId)
    {
        var output = job["output"];
        static string? Text(JsonNode? n) => n?.GetValueKind() == System.Text.Json.JsonValueKind.String ? n.GetValue<string>() : null;
        var url = Text(output) ?? (output is JsonObject ? Text(output["archive_url"]) : null);
        var digest = output is JsonObject ? Text(output["sha256"]) : null;
        if (digest is not null && !System.Text.RegularExpressions.Regex.IsMatch(digest, "^[0-9a-fA-F]{64}$"))
            throw new RefusedOutputException($"model '{model}': RunPod job {jobId} reported sha256 '{RemoteText.Quote(digest, 80)}', which is not a sha256 digest (64 hex digits). Fix: make the handler return the archive's sha256.") { Model = model };
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new RefusedOutputException($"model '{model}': RunPod job {jobId} completed, but its output names no archive (expected {{\"archive_url\": \"https://…\", \"sha256\": \"…\"}}, got {(output is null ? "nothing" : RemoteText.Quote(output.ToJsonString()))}). Fix: make the handler return that (see docs/remote-training.md).") { Model = model };
        return (uri, digest);
    }
}
