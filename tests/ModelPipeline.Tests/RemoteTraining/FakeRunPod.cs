using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelPipeline.Tests.Forges;

namespace ModelPipeline.Tests.RemoteTraining;

/// <summary>
/// RunPod's serverless API (<c>/v2/{endpoint}/run|status|cancel</c>) on 127.0.0.1, scripted: a job
/// is IN_QUEUE, then IN_PROGRESS for <see cref="PollsUntilDone"/> polls, then <see cref="Outcome"/>
/// (null: never ends). A completed job's output names <see cref="Archive"/>, served (with Range
/// support, without the API key) at /files/out.tar.gz, and <see cref="ReportedSha256"/>.
/// Operations and job states follow https://docs.runpod.io/serverless/endpoints/operations and
/// https://docs.runpod.io/serverless/endpoints/job-states (IN_QUEUE, IN_PROGRESS, COMPLETED, FAILED,
/// CANCELLED, TIMED_OUT); <c>output</c> is whatever the worker's handler returned, unchecked.
/// </summary>
public sealed class FakeRunPod : FakeServer
{
    private readonly ConcurrentDictionary<string, Job> _jobs = new();

    private FakeRunPod(string token, string endpoint) : base(token) => EndpointId = endpoint;

    public string EndpointId { get; }
    public int PollsUntilDone { get; set; } = 2;
    public string? Outcome { get; set; } = "COMPLETED";
    public byte[] Archive { get; set; } = [];
    public string? ReportedSha256 { get; set; }
    public ConcurrentQueue<JsonObject> Submitted { get; } = new();
    public ConcurrentQueue<string> Cancelled { get; } = new();

    /// <summary>The id the next /run answers with (RunPod chooses ids; a hostile or broken proxy could send anything).</summary>
    public string? NextJobId { get; set; }

    /// <summary>The output a completed job reports instead of the archive reference (the handler's return value).</summary>
    public JsonNode? Output { get; set; }

    /// <summary>Authorization headers seen on archive downloads (must stay empty: the key never leaves the API).</summary>
    public ConcurrentQueue<string> DownloadAuthorization { get; } = new();

    public ConcurrentDictionary<string, byte[]> Data { get; } = new();

    public static async Task<FakeRunPod> StartAsync(string token, string endpoint = "ep-test1")
    {
        var fake = new FakeRunPod(token, endpoint);
        await fake.StartAsync();
        return fake;
    }

    protected override string UnauthorizedBody => """{"error":"Unauthorized"}""";

    protected override bool Authorized(HttpRequest request) =>
        request.Path.StartsWithSegments("/files") || request.Path.StartsWithSegments("/data") || request.Headers.Authorization.ToString() == $"Bearer {Token}";

    protected override void Map(WebApplication app)
    {
        app.MapGet("/data/{name}", (string name) => Data.TryGetValue(name, out var b) ? Results.Bytes(b) : Results.NotFound());
        app.MapGet("/files/out.tar.gz", (HttpRequest request) =>
        {
            DownloadAuthorization.Enqueue(request.Headers.Authorization.ToString());
            return Results.Bytes(Archive, "application/gzip", enableRangeProcessing: true);
        });
        app.MapPost($"/v2/{EndpointId}/run", async (HttpRequest request) =>
        {
            var body = JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync())!.AsObject();
            Submitted.Enqueue(body);
            var job = new Job(NextJobId ?? $"job-{Guid.NewGuid():N}"[..20]);
            NextJobId = null;
            _jobs[job.Id] = job;
            return Results.Json(new { id = job.Id, status = job.Status });
        });
        app.MapGet($"/v2/{EndpointId}/status/{{id}}", (string id, HttpRequest request) =>
        {
            if (!_jobs.TryGetValue(id, out var job)) return Results.Json(new { error = "job not found" }, statusCode: 404);
            if (job.Status is "IN_QUEUE" or "IN_PROGRESS")
                job.Status = ++job.Polls >= PollsUntilDone && Outcome is not null ? Outcome : "IN_PROGRESS";
            var answer = new JsonObject { ["id"] = job.Id, ["status"] = job.Status, ["delayTime"] = 120, ["executionTime"] = 3000 * job.Polls };
            if (job.Status == "COMPLETED")
                answer["output"] = Output?.DeepClone() ?? new JsonObject { ["archive_url"] = $"{BaseUrl}files/out.tar.gz", ["sha256"] = ReportedSha256 };
            if (job.Status == "FAILED") answer["error"] = "CUDA out of memory";
            return Results.Text(answer.ToJsonString(), "application/json");
        });
        app.MapPost($"/v2/{EndpointId}/cancel/{{id}}", (string id) =>
        {
            if (!_jobs.TryGetValue(id, out var job)) return Results.Json(new { error = "job not found" }, statusCode: 404);
            Cancelled.Enqueue(id);
            job.Status = "CANCELLED";
            return Results.Json(new { id, status = "CANCELLED" });
        });
    }

    private sealed class Job(string id)
    {
        public string Id { get; } = id;
        public string Status { get; set; } = "IN_QUEUE";
        public int Polls { get; set; }
    }
}
