using System.Text.Json.Nodes;
using ModelPipeline.Errors;
using ModelPipeline.Training.Remote;

namespace ModelPipeline.Training.Kfp;

/// <summary>The part of the Kubeflow Pipelines v2beta1 REST API that training uses (runs, pipelines, artifacts).</summary>
public sealed class KfpClient(RemoteHttp http, string endpoint)
{
    private readonly string _api = endpoint.TrimEnd('/') + "/apis/v2beta1";

    public static readonly string[] TerminalStates = ["SUCCEEDED", "FAILED", "CANCELED", "SKIPPED"];

    /// <summary>The id of the pipeline named <paramref name="name"/> (<c>GET /pipelines/names/{name}</c>).</summary>
    public async Task<string> PipelineIdAsync(string name, CancellationToken ct)
    {
        try
        {
            var pipeline = await http.SendAsync(HttpMethod.Get, $"{_api}/pipelines/names/{Uri.EscapeDataString(name)}", null, ct);
            return pipeline?["pipeline_id"]?.GetValue<string>() ?? throw new OperationFailedException($"Kubeflow Pipelines: the pipeline '{name}' has no pipeline_id.");
        }
        catch (RemoteHttpException ex) when (ex.Status == System.Net.HttpStatusCode.NotFound)
        {
            throw new InvalidInputException($"Kubeflow Pipelines has no pipeline named '{name}'. Fix: upload it (see pipelines/kubeflow/) or correct training.options.pipelineName.");
        }
    }

    /// <summary>
    /// The id of the version of a pipeline whose <c>name</c> is <paramref name="version"/> (v2beta1
    /// PipelineVersion has both <c>name</c> and <c>display_name</c>); a <c>display_name</c> is used
    /// only when no version has that name and exactly one displays it.
    /// </summary>
    public async Task<string> PipelineVersionIdAsync(string pipelineId, string version, CancellationToken ct)
    {
        var all = new List<JsonNode>();
        string? page = null;
        do
        {
            var url = $"{_api}/pipelines/{Uri.EscapeDataString(pipelineId)}/versions?page_size=100{(page is null ? "" : "&page_token=" + Uri.EscapeDataString(page))}";
            var list = await http.SendAsync(HttpMethod.Get, url, null, ct);
            all.AddRange((list?["pipeline_versions"]?.AsArray() ?? []).OfType<JsonNode>());
            page = list?["next_page_token"]?.GetValue<string>();
        } while (!string.IsNullOrEmpty(page) && all.Count < 10_000);
        static string? Field(JsonNode v, string name) => v[name]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? v[name]!.GetValue<string>() : null;
        var byName = all.Where(v => Field(v, "name") == version).ToList();
        var byDisplay = all.Where(v => Field(v, "display_name") == version).ToList();
        var match = byName.Count == 1 ? byName[0] : byName.Count == 0 && byDisplay.Count == 1 ? byDisplay[0] : null;
        if (match is not null)
            return Field(match, "pipeline_version_id") ?? throw new OperationFailedException($"Kubeflow Pipelines: version '{version}' of pipeline {pipelineId} has no pipeline_version_id.");
        if (byName.Count + byDisplay.Count > 1)
            throw new InvalidInputException($"Kubeflow Pipelines: pipeline {pipelineId} has {byName.Count + byDisplay.Count} versions named or displayed '{version}' ({string.Join(", ", byName.Concat(byDisplay).Select(v => Field(v, "pipeline_version_id")).Distinct())}). Fix: set training.options.pipelineVersion to a version's unique name, or use pipelineId + pipelineVersionId.");
        var seen = all.Select(v => Field(v, "name") ?? Field(v, "display_name")).OfType<string>().Take(20).ToList();
        throw new InvalidInputException($"Kubeflow Pipelines: pipeline {pipelineId} has no version '{RemoteText.Quote(version, 100)}' (it has: {(seen.Count == 0 ? "none" : RemoteText.Quote(string.Join(", ", seen)))}). Fix: correct training.options.pipelineVersion.");
    }

    /// <summary>Runs whose display name is exactly <paramref name="displayName"/>, newest first.</summary>
    public async Task<IReadOnlyList<JsonNode>> FindRunsAsync(string displayName, string? experimentId, CancellationToken ct)
    {
        var filter = new JsonObject
        {
            ["predicates"] = new JsonArray(new JsonObject { ["key"] = "name", ["operation"] = "EQUALS", ["string_value"] = displayName }),
        };
        var url = $"{_api}/runs?page_size=100&sort_by={Uri.EscapeDataString("created_at desc")}&filter={Uri.EscapeDataString(filter.ToJsonString())}"
            + (experimentId is null ? "" : $"&experiment_id={Uri.EscapeDataString(experimentId)}");
        var list = await http.SendAsync(HttpMethod.Get, url, null, ct);
        // An archived run (storage_state ARCHIVED, e.g. one whose output was refused) is never reused.
        return (list?["runs"]?.AsArray() ?? [])
            .Where(r => r?["display_name"]?.GetValue<string>() == displayName && r["storage_state"]?.GetValue<string>() != "ARCHIVED")
            .Select(r => r!)
            .OrderByDescending(r => r["created_at"]?.GetValue<string>() ?? "", StringComparer.Ordinal)
            .ToList();
    }

    public async Task<JsonNode> CreateRunAsync(JsonObject run, CancellationToken ct) =>
        await http.SendAsync(HttpMethod.Post, $"{_api}/runs", run, ct) ?? throw new OperationFailedException("Kubeflow Pipelines: creating the run returned no body.");

    public async Task<JsonNode?> GetRunAsync(string runId, CancellationToken ct)
    {
        try
        {
            return await http.SendAsync(HttpMethod.Get, $"{_api}/runs/{Uri.EscapeDataString(runId)}", null, ct);
        }
        catch (RemoteHttpException ex) when (ex.Status == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task TerminateRunAsync(string runId, CancellationToken ct) =>
        http.SendAsync(HttpMethod.Post, $"{_api}/runs/{Uri.EscapeDataString(runId)}:terminate", null, ct);

    /// <summary>Archives a run (<c>POST /runs/{id}:archive</c>): it stays visible in the UI but is no longer found for reuse.</summary>
    public Task ArchiveRunAsync(string runId, CancellationToken ct) =>
        http.SendAsync(HttpMethod.Post, $"{_api}/runs/{Uri.EscapeDataString(runId)}:archive", null, ct);

    public async Task<JsonNode> GetArtifactAsync(string artifactId, CancellationToken ct) =>
        await http.SendAsync(HttpMethod.Get, $"{_api}/artifacts/{Uri.EscapeDataString(artifactId)}?view=DOWNLOAD", null, ct)
        ?? throw new OperationFailedException($"Kubeflow Pipelines: artifact {artifactId} returned no body.");

    public static RemoteStatus Status(JsonNode run)
    {
        var state = run["state"]?.GetValue<string>() ?? "RUNTIME_STATE_UNSPECIFIED";
        var error = run["error"]?["message"]?.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? RemoteText.Quote(run["error"]!["message"]!.GetValue<string>()) : null;
        return new RemoteStatus(state, TerminalStates.Contains(state), state == "SUCCEEDED", error, run);
    }
}
