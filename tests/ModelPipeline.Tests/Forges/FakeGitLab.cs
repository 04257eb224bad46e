using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ModelPipeline.Tests.Forges;

/// <summary>
/// GitLab's REST API v4 (under <c>/api/v4/</c>) for merge requests and user lookup, backed by a real
/// bare repository: a missing source branch is refused (422), a second open MR for the same source
/// branch gets GitLab's 409 "Another open merge request already exists".
/// Shapes from https://docs.gitlab.com/ee/api/merge_requests.html (create, list, update with
/// add_labels and reviewer_ids) and https://docs.gitlab.com/ee/api/users.html; rate limits (429 with
/// Retry-After) from https://docs.gitlab.com/ee/security/rate_limits.html, scripted through Enqueue.
/// </summary>
public sealed class FakeGitLab : FakeServer
{
    private readonly string _project;
    private readonly string _bareRepo;
    private static readonly string[] DoesNotExist = ["does not exist"];
    private static readonly string[] IsInvalid = ["is invalid"];
    private readonly Lock _gate = new();

    private FakeGitLab(string project, string bareRepo, string token) : base(token) => (_project, _bareRepo) = (project, bareRepo);

    public List<FakePullRequest> MergeRequests { get; } = [];

    /// <summary>The next POST merge_requests creates the MR, then drops the connection before answering.</summary>
    public bool LoseNextCreateResponse { get; set; }

    /// <summary>Known users: username to id.</summary>
    public Dictionary<string, int> Users { get; } = new() { ["alice"] = 42 };

    public static async Task<FakeGitLab> StartAsync(string project, string bareRepo, string token)
    {
        var fake = new FakeGitLab(project, bareRepo, token);
        await fake.StartAsync();
        return fake;
    }

    protected override string UnauthorizedBody => """{"message":"401 Unauthorized"}""";

    protected override bool Authorized(HttpRequest request) => request.Headers["PRIVATE-TOKEN"].ToString() == Token;

    protected override void Map(WebApplication app)
    {
        app.MapGet("/api/v4/users", (string? username) =>
            Results.Json(Users.Where(u => u.Key == username).Select(u => new { id = u.Value, username = u.Key, state = "active" }).ToArray()));
        app.MapPost("/api/v4/projects/{id}/merge_requests", async (string id, HttpRequest request, HttpContext context) =>
        {
            if (Uri.UnescapeDataString(id) != _project) return NotFound();
            var body = await ReadJsonAsync(request);
            var source = body.GetProperty("source_branch").GetString()!;
            var target = body.GetProperty("target_branch").GetString()!;
            if (!await BranchExistsAsync(_bareRepo, source))
                return Results.Json(new { message = new { source_branch = DoesNotExist } }, statusCode: 422);
            lock (_gate)
            {
                if (MergeRequests.FirstOrDefault(m => m.Open && m.Head == source) is { } open)
                    return Results.Json(new { message = new[] { $"Another open merge request already exists for this source branch: !{open.Number}" } }, statusCode: 409);
                var mr = new FakePullRequest
                {
                    Number = MergeRequests.Count + 1, Head = source, Base = target,
                    Title = body.GetProperty("title").GetString()!, Body = body.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "",
                };
                if (body.TryGetProperty("labels", out var labels)) mr.Labels.AddRange(labels.GetString()!.Split(','));
                if (body.TryGetProperty("reviewer_ids", out var ids))
                    mr.Reviewers.AddRange(ids.EnumerateArray().Select(i => Users.First(u => u.Value == i.GetInt32()).Key));
                MergeRequests.Add(mr);
                if (LoseNextCreateResponse)
                {
                    LoseNextCreateResponse = false;
                    context.Abort();
                    return Results.Empty;
                }
                return Results.Json(Json(mr), statusCode: 201);
            }
        });
        app.MapGet("/api/v4/projects/{id}/merge_requests", (string id, string? state, string? source_branch, string? target_branch) =>
        {
            if (Uri.UnescapeDataString(id) != _project) return NotFound();
            lock (_gate)
            {
                var found = MergeRequests.Where(m => (state is null or "all" || (state == "opened") == m.Open)
                    && (source_branch is null || m.Head == source_branch) && (target_branch is null || m.Base == target_branch));
                return Results.Json(found.Select(Json).ToArray());
            }
        });
        app.MapPut("/api/v4/projects/{id}/merge_requests/{iid:int}", async (string id, int iid, HttpRequest request) =>
        {
            if (Uri.UnescapeDataString(id) != _project) return NotFound();
            var body = await ReadJsonAsync(request);
            lock (_gate)
            {
                var mr = MergeRequests.FirstOrDefault(m => m.Number == iid);
                if (mr is null) return NotFound();
                if (body.TryGetProperty("state_event", out var stateEvent))
                {
                    if (stateEvent.GetString() is not ("close" or "reopen"))
                        return Results.Json(new { message = new { state_event = IsInvalid } }, statusCode: 400);
                    mr.Open = stateEvent.GetString() == "reopen";
                }
                var edited = false;
                if (body.TryGetProperty("title", out var t)) (mr.Title, edited) = (t.GetString()!, true);
                if (body.TryGetProperty("description", out var d)) (mr.Body, edited) = (d.GetString()!, true);
                if (body.TryGetProperty("add_labels", out var add))
                    mr.Labels.AddRange(add.GetString()!.Split(',').Except(mr.Labels));
                if (body.TryGetProperty("reviewer_ids", out var ids))
                {
                    mr.Reviewers.Clear(); // reviewer_ids replaces the list
                    mr.Reviewers.AddRange(ids.EnumerateArray().Select(i => Users.First(u => u.Value == i.GetInt32()).Key));
                }
                if (edited) mr.Updates++;
                return Results.Json(Json(mr));
            }
        });
        app.MapPost("/api/v4/projects/{id}/merge_requests/{iid:int}/notes", async (string id, int iid, HttpRequest request) =>
        {
            if (Uri.UnescapeDataString(id) != _project) return NotFound();
            var body = await ReadJsonAsync(request);
            lock (_gate)
            {
                var mr = MergeRequests.FirstOrDefault(m => m.Number == iid);
                if (mr is null) return NotFound();
                var text = body.GetProperty("body").GetString()!;
                mr.Comments.Add(text);
                return Results.Json(new { id = iid * 100 + mr.Comments.Count, body = text, author = new { id = 1, username = "modelpipe-bot" }, system = false }, statusCode: 201);
            }
        });
        // DELETE /projects/:id/repository/branches/:branch (URL-encoded): 204, or 404 "Branch Not Found".
        app.MapDelete("/api/v4/projects/{id}/repository/branches/{branch}", async (string id, string branch) =>
        {
            if (Uri.UnescapeDataString(id) != _project) return NotFound();
            return await DeleteBranchAsync(_bareRepo, Uri.UnescapeDataString(branch))
                ? Results.NoContent()
                : Results.Json(new { message = "404 Branch Not Found" }, statusCode: 404);
        });
    }

    private static IResult NotFound() => Results.Json(new { message = "404 Project Not Found" }, statusCode: 404);

    private JsonObject Json(FakePullRequest mr) => new()
    {
        ["id"] = mr.Number * 1000,
        ["iid"] = mr.Number,
        ["title"] = mr.Title,
        ["description"] = mr.Body,
        ["state"] = mr.Open ? "opened" : "closed",
        ["source_branch"] = mr.Head,
        ["target_branch"] = mr.Base,
        ["web_url"] = $"{BaseUrl}{_project}/-/merge_requests/{mr.Number}",
        ["labels"] = new JsonArray(mr.Labels.Select(l => (JsonNode)JsonValue.Create(l)).ToArray()),
        ["reviewers"] = new JsonArray(mr.Reviewers.Select(r => (JsonNode)new JsonObject { ["id"] = Users[r], ["username"] = r }).ToArray()),
    };
}
