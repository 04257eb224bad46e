using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelPipeline.Tests.Forges;

namespace ModelPipeline.Tests.RemoteTraining;

/// <summary>
/// Kubeflow Pipelines' v2beta1 REST API (runs, pipelines by name and their versions, artifacts)
/// on 127.0.0.1, scripted: a run stays RUNNING for <see cref="PollsUntilDone"/> polls and then ends
/// in <see cref="Outcome"/> (null: never ends); <c>:terminate</c> is recorded and cancels it.
/// A successful run's task outputs the artifact <c>model</c> at <see cref="ArtifactUri"/>.
/// Shapes follow kubeflow/pipelines backend/api/v2beta1/swagger/run.swagger.json and
/// pipeline.swagger.json (https://www.kubeflow.org/docs/components/pipelines/reference/api/kubeflow-pipeline-api-spec/):
/// V2beta1RuntimeState (PENDING, RUNNING, SUCCEEDED, SKIPPED, FAILED, CANCELING, CANCELED, PAUSED),
/// storage_state AVAILABLE/ARCHIVED with <c>POST /runs/{id}:archive</c>, PipelineVersion with both
/// <c>name</c> and <c>display_name</c>, and Artifact <c>download_url</c> for <c>view=DOWNLOAD</c>.
/// </summary>
public sealed class FakeKfp : FakeServer
{
    private readonly ConcurrentDictionary<string, Run> _runs = new();

    private FakeKfp(string token) : base(token) { }

    public int PollsUntilDone { get; set; } = 2;
    public string? Outcome { get; set; } = "SUCCEEDED";
    public string? ArtifactUri { get; set; }

    /// <summary>The artifact's <c>download_url</c> (GetArtifact with view=DOWNLOAD: a signed URL, often on another host).</summary>
    public string? DownloadUrl { get; set; }

    /// <summary>A POST /runs answers this status without creating the run (e.g. 500 from the API server).</summary>
    public int? CreateStatus { get; set; }

    /// <summary>Answers of the next <c>:terminate</c> calls before one is accepted: (status, Retry-After).</summary>
    public ConcurrentQueue<(int Status, string? RetryAfter)> TerminateAnswers { get; } = new();

    /// <summary>A terminated run stays CANCELING (the API server sets CANCELING; the persistence agent later CANCELED).</summary>
    public bool StaysCanceling { get; set; }

    /// <summary>ListRuns entries leave out <c>run_details</c> (an output-only field that a list may omit).</summary>
    public bool ListOmitsDetails { get; set; }

    /// <summary>/data/NAME answers with a Content-Length (else chunked, as a streaming proxy does).</summary>
    public bool DataContentLength { get; set; } = true;

    /// <summary>The Authorization header of every /data/ request ("" when none).</summary>
    public ConcurrentQueue<string> DataAuthorization { get; } = new();

    /// <summary>Called when a run is created, with its runtime parameters: plays the pipeline (writes the outputs).</summary>
    public Func<JsonObject, Task>? OnCreated { get; set; }

    /// <summary>Files served at /data/NAME without a token (the data sources' URLs).</summary>
    public ConcurrentDictionary<string, byte[]> Data { get; } = new();

    public IReadOnlyList<JsonObject> Created => _runs.Values.OrderBy(r => r.Created).Select(r => r.Request).ToList();
    public ConcurrentQueue<string> Terminated { get; } = new();

    public static async Task<FakeKfp> StartAsync(string token)
    {
        var fake = new FakeKfp(token);
        await fake.StartAsync();
        return fake;
    }

    /// <summary>Adds a run as if an earlier process had created it (for the attach test).</summary>
    public string Seed(string displayName, string state)
    {
        var run = new Run(Guid.NewGuid().ToString(), new JsonObject { ["display_name"] = displayName }, DateTimeOffset.UtcNow) { State = state };
        _runs[run.Id] = run;
        return run.Id;
    }

    protected override string UnauthorizedBody => """{"error":"Unauthenticated","code":16,"message":"Unauthenticated"}""";

    protected override bool Authorized(HttpRequest request) =>
        request.Path.StartsWithSegments("/data") || request.Headers.Authorization.ToString() == $"Bearer {Token}";

    protected override void Map(WebApplication app) => app.Run(HandleAsync);

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value!;
        var method = context.Request.Method;
        const string api = "/apis/v2beta1";
        if (path.StartsWith("/data/", StringComparison.Ordinal) && Data.TryGetValue(path[6..], out var bytes))
        {
            DataAuthorization.Enqueue(context.Request.Headers.Authorization.ToString());
            if (DataContentLength) context.Response.ContentLength = bytes.Length;
            for (var at = 0; at < bytes.Length; at += 1 << 16)
            {
                await context.Response.Body.WriteAsync(bytes.AsMemory(at, Math.Min(1 << 16, bytes.Length - at)));
                await context.Response.Body.FlushAsync();
            }
            return;
        }
        if (method == "GET" && path == $"{api}/pipelines/names/train-iris")
        {
            await Json(context, new JsonObject { ["pipeline_id"] = "pl-1", ["display_name"] = "train-iris" });
            return;
        }
        if (method == "GET" && path == $"{api}/pipelines/pl-1/versions")
        {
            // Two versions whose name and display_name cross: "v7" is pv-7's name but pv-6's display_name.
            await Json(context, new JsonObject
            {
                ["pipeline_versions"] = new JsonArray(
                    new JsonObject { ["pipeline_version_id"] = "pv-6", ["name"] = "v6", ["display_name"] = "v7" },
                    new JsonObject { ["pipeline_version_id"] = "pv-7", ["name"] = "v7", ["display_name"] = "Iris v7" }),
                ["total_size"] = 2,
            });
            return;
        }
        if (method == "POST" && path == $"{api}/runs")
        {
            var request = JsonNode.Parse(await new StreamReader(context.Request.Body).ReadToEndAsync())!.AsObject();
            if (CreateStatus is { } failed)
            {
                context.Response.StatusCode = failed;
                await Json(context, new JsonObject { ["error"] = "internal error", ["code"] = 13, ["message"] = "Failed to create a run: InternalServerError" });
                return;
            }
            var run = new Run(Guid.NewGuid().ToString(), request, DateTimeOffset.UtcNow);
            _runs[run.Id] = run;
            if (OnCreated is not null) await OnCreated(request["runtime_config"]!["parameters"]!.AsObject());
            await Json(context, run.ToJson(this));
            return;
        }
        if (method == "GET" && path == $"{api}/runs")
        {
            var filter = JsonNode.Parse(context.Request.Query["filter"].ToString() is { Length: > 0 } f ? f : "{}")!;
            var name = filter["predicates"]?[0]?["string_value"]?.GetValue<string>();
            var matches = _runs.Values.Where(r => name is null || r.DisplayName == name).OrderByDescending(r => r.Created).Select(r => (JsonNode)r.ToJson(this, list: true)).ToArray();
            await Json(context, new JsonObject { ["runs"] = new JsonArray(matches), ["total_size"] = matches.Length });
            return;
        }
        if (path.StartsWith($"{api}/runs/", StringComparison.Ordinal))
        {
            var rest = path[($"{api}/runs/".Length)..];
            var terminate = rest.EndsWith(":terminate", StringComparison.Ordinal);
            var archive = rest.EndsWith(":archive", StringComparison.Ordinal);
            var id = terminate ? rest[..^":terminate".Length] : archive ? rest[..^":archive".Length] : rest;
            if (!_runs.TryGetValue(id, out var run))
            {
                context.Response.StatusCode = 404;
                await Json(context, new JsonObject { ["error"] = "not found", ["code"] = 5, ["message"] = $"Run {id} not found" });
                return;
            }
            if (method == "POST" && terminate && TerminateAnswers.TryDequeue(out var answer))
            {
                context.Response.StatusCode = answer.Status;
                if (answer.RetryAfter is not null) context.Response.Headers.RetryAfter = answer.RetryAfter;
                await Json(context, new JsonObject { ["error"] = "rate limited", ["code"] = 8, ["message"] = "too many requests" });
                return;
            }
            if (method == "POST" && terminate)
            {
                Terminated.Enqueue(id);
                run.State = "CANCELING";
                await Json(context, new JsonObject());
                return;
            }
            if (method == "POST" && archive)
            {
                run.StorageState = "ARCHIVED";
                await Json(context, new JsonObject());
                return;
            }
            if (run.State == "CANCELING" && !StaysCanceling) run.State = "CANCELED";
            if (run.State is "PENDING" or "RUNNING" && ++run.Polls >= PollsUntilDone && Outcome is not null) run.State = Outcome;
            else if (run.State == "PENDING") run.State = "RUNNING";
            await Json(context, run.ToJson(this));
            return;
        }
        if (method == "GET" && path == $"{api}/artifacts/42")
        {
            var artifact = new JsonObject { ["artifact_id"] = "42", ["uri"] = ArtifactUri ?? "minio://mlpipeline/v2/artifacts/train/42/model", ["storage_provider"] = "minio" };
            if (context.Request.Query["view"] == "DOWNLOAD" && DownloadUrl is not null) artifact["download_url"] = DownloadUrl;
            await Json(context, artifact);
            return;
        }
        context.Response.StatusCode = 404;
        await Json(context, new JsonObject { ["message"] = $"no route {method} {path}" });
    }

    private static Task Json(HttpContext context, JsonNode body)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString());
    }

    private sealed class Run(string id, JsonObject request, DateTimeOffset created)
    {
        public string Id { get; } = id;
        public JsonObject Request { get; } = request;
        public DateTimeOffset Created { get; } = created;
        public string DisplayName => Request["display_name"]!.GetValue<string>();
        public string State { get; set; } = "PENDING";
        public int Polls { get; set; }
        public string StorageState { get; set; } = "AVAILABLE";

        public JsonObject ToJson(FakeKfp fake, bool list = false)
        {
            var run = new JsonObject
            {
                ["run_id"] = Id,
                ["display_name"] = DisplayName,
                ["experiment_id"] = Request["experiment_id"]?.DeepClone(),
                ["state"] = State,
                ["storage_state"] = StorageState,
                ["created_at"] = Created.ToString("O"),
                ["pipeline_version_reference"] = Request["pipeline_version_reference"]?.DeepClone(),
                ["runtime_config"] = Request["runtime_config"]?.DeepClone(),
            };
            if (State == "FAILED") run["error"] = new JsonObject { ["code"] = 2, ["message"] = "task train failed: exit code 1" };
            if (State == "SUCCEEDED" && (fake.ArtifactUri ?? fake.DownloadUrl) is not null && !(list && fake.ListOmitsDetails))
                run["run_details"] = new JsonObject
                {
                    ["task_details"] = new JsonArray(new JsonObject
                    {
                        ["display_name"] = "train",
                        ["state"] = "SUCCEEDED",
                        ["outputs"] = new JsonObject { ["model"] = new JsonObject { ["artifact_ids"] = new JsonArray("42") } },
                    }),
                };
            return run;
        }
    }
}
