using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ModelPipeline.Tests.Forges;

/// <summary>
/// GitHub's REST API shape as GitHub Enterprise serves it (under <c>/api/v3/</c>), enough for Octokit's
/// pull request, label and review request calls. Backed by a real bare repository: a head branch that
/// is not there is rejected with 422 as GitHub does, and a second PR for the same head gets GitHub's 422.
/// Shapes and rules from https://docs.github.com/en/rest/pulls/pulls, .../pulls/review-requests,
/// .../pulls/reviews and .../issues/labels; rate limits from
/// https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api (403 or 429 with
/// x-ratelimit-remaining: 0 and x-ratelimit-reset, or retry-after), scripted through Enqueue.
/// </summary>
public sealed class FakeGitHub : FakeServer
{
    private readonly string _owner;
    private readonly string _repo;
    private readonly string _bareRepo;
    private readonly Lock _gate = new();

    private FakeGitHub(string owner, string repo, string bareRepo, string token) : base(token) => (_owner, _repo, _bareRepo) = (owner, repo, bareRepo);

    public List<FakePullRequest> PullRequests { get; } = [];

    /// <summary>The next POST pulls creates the PR, then drops the connection before answering (a lost response).</summary>
    public bool LoseNextCreateResponse { get; set; }

    public static async Task<FakeGitHub> StartAsync(string ownerAndRepo, string bareRepo, string token)
    {
        var parts = ownerAndRepo.Split('/');
        var fake = new FakeGitHub(parts[0], parts[1], bareRepo, token);
        await fake.StartAsync();
        return fake;
    }

    public static string SecondaryRateLimitBody =>
        """{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}""";

    public static string TooManyRequestsBody => """{"message":"API rate limit exceeded","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}""";

    protected override string UnauthorizedBody => """{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}""";

    protected override bool Authorized(HttpRequest request) =>
        request.Headers.Authorization.ToString().Split(' ', 2) is [var scheme, var value]
        && scheme.ToLowerInvariant() is "token" or "bearer" && value == Token;

    protected override void Map(WebApplication app)
    {
        var prefix = $"/api/v3/repos/{_owner}/{_repo}";
        app.MapPost(prefix + "/pulls", async (HttpRequest request, HttpContext context) =>
        {
            var body = await ReadJsonAsync(request);
            var head = body.GetProperty("head").GetString()!;
            var baseRef = body.GetProperty("base").GetString()!;
            var branch = head.Contains(':', StringComparison.Ordinal) ? head[(head.IndexOf(':', StringComparison.Ordinal) + 1)..] : head;
            var baseExists = await BranchExistsAsync(_bareRepo, baseRef);
            if (!baseExists || !await BranchExistsAsync(_bareRepo, branch))
                return Validation(new { resource = "PullRequest", field = baseExists ? "head" : "base", code = "invalid" });
            lock (_gate)
            {
                if (PullRequests.Any(p => p.Open && p.Head == branch && p.Base == baseRef))
                    return Validation(new { resource = "PullRequest", code = "custom", message = $"A pull request already exists for {_owner}:{branch}." });
                var pr = new FakePullRequest
                {
                    Number = PullRequests.Count + 1, Head = branch, Base = baseRef,
                    Title = body.GetProperty("title").GetString()!, Body = body.TryGetProperty("body", out var b) ? b.GetString() ?? "" : "",
                };
                PullRequests.Add(pr);
                if (LoseNextCreateResponse)
                {
                    LoseNextCreateResponse = false;
                    context.Abort();
                    return Results.Empty;
                }
                return Results.Json(Json(pr), statusCode: 201);
            }
        });
        app.MapGet(prefix + "/pulls", (string? state, string? head, string? @base) =>
        {
            lock (_gate)
            {
                var found = PullRequests.Where(p => (state is null or "all" || (state == "open") == p.Open)
                    && (head is null || $"{_owner}:{p.Head}" == head) && (@base is null || p.Base == @base));
                return Results.Json(found.Select(Json).ToArray());
            }
        });
        app.MapMethods(prefix + "/pulls/{number:int}", ["PATCH"], async (int number, HttpRequest request) =>
        {
            var body = await ReadJsonAsync(request);
            lock (_gate)
            {
                var pr = PullRequests.FirstOrDefault(p => p.Number == number);
                if (pr is null) return Results.Json(new { message = "Not Found" }, statusCode: 404);
                if (body.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.String)
                {
                    if (state.GetString() is not ("open" or "closed"))
                        return Validation(new { resource = "PullRequest", field = "state", code = "invalid" });
                    pr.Open = state.GetString() == "open";
                }
                var edited = false;
                if (body.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String) (pr.Title, edited) = (t.GetString()!, true);
                if (body.TryGetProperty("body", out var b) && b.ValueKind == JsonValueKind.String) (pr.Body, edited) = (b.GetString()!, true);
                if (edited) pr.Updates++;
                return Results.Json(Json(pr));
            }
        });
        app.MapPost(prefix + "/issues/{number:int}/labels", async (int number, HttpRequest request) =>
        {
            var body = await ReadJsonAsync(request);
            var labels = (body.ValueKind == JsonValueKind.Array ? body : body.GetProperty("labels")).EnumerateArray().Select(l => l.GetString()!);
            lock (_gate)
            {
                var pr = PullRequests.First(p => p.Number == number);
                pr.Labels.AddRange(labels.Except(pr.Labels));
                return Results.Json(pr.Labels.Select((l, i) => new { id = i + 1, name = l, color = "ededed" }).ToArray());
            }
        });
        app.MapPost(prefix + "/issues/{number:int}/comments", async (int number, HttpRequest request) =>
        {
            var body = await ReadJsonAsync(request);
            lock (_gate)
            {
                var pr = PullRequests.FirstOrDefault(p => p.Number == number);
                if (pr is null) return Results.Json(new { message = "Not Found" }, statusCode: 404);
                var text = body.GetProperty("body").GetString()!;
                pr.Comments.Add(text);
                var id = number * 100 + pr.Comments.Count;
                return Results.Json(new JsonObject
                {
                    ["id"] = id,
                    ["body"] = text,
                    ["url"] = $"{BaseUrl}api/v3/repos/{_owner}/{_repo}/issues/comments/{id}",
                    ["html_url"] = $"{BaseUrl}{_owner}/{_repo}/pull/{number}#issuecomment-{id}",
                    ["user"] = new JsonObject { ["login"] = "modelpipe-bot", ["id"] = 1 },
                    ["created_at"] = "2026-01-01T00:00:00Z",
                    ["updated_at"] = "2026-01-01T00:00:00Z",
                }, statusCode: 201);
            }
        });
        // DELETE /repos/{owner}/{repo}/git/refs/heads/{branch}: 204, or 422 "Reference does not exist".
        app.MapDelete(prefix + "/git/refs/{**reference}", async (string reference) =>
            reference.StartsWith("heads/", StringComparison.Ordinal) && await DeleteBranchAsync(_bareRepo, reference["heads/".Length..])
                ? Results.NoContent()
                : Results.Json(new { message = "Reference does not exist", documentation_url = "https://docs.github.com/rest/git/refs#delete-a-reference" }, statusCode: 422));
        // GET /repos/{owner}/{repo}/pulls/{number}/reviews: nobody has reviewed in this fake.
        app.MapGet(prefix + "/pulls/{number:int}/reviews", (int number) => Results.Json(Array.Empty<object>()));
        app.MapPost(prefix + "/pulls/{number:int}/requested_reviewers", async (int number, HttpRequest request) =>
        {
            var body = await ReadJsonAsync(request);
            lock (_gate)
            {
                var pr = PullRequests.First(p => p.Number == number);
                pr.Reviewers.AddRange(body.GetProperty("reviewers").EnumerateArray().Select(r => r.GetString()!).Except(pr.Reviewers));
                return Results.Json(Json(pr), statusCode: 201);
            }
        });
    }

    private static IResult Validation(object error) => Results.Json(new
    {
        message = "Validation Failed",
        errors = new[] { error },
        documentation_url = "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
    }, statusCode: 422);

    private JsonObject Json(FakePullRequest pr) => new()
    {
        ["id"] = pr.Number * 1000,
        ["number"] = pr.Number,
        ["state"] = pr.Open ? "open" : "closed",
        ["title"] = pr.Title,
        ["body"] = pr.Body,
        ["url"] = $"{BaseUrl}api/v3/repos/{_owner}/{_repo}/pulls/{pr.Number}",
        ["html_url"] = $"{BaseUrl}{_owner}/{_repo}/pull/{pr.Number}",
        ["head"] = new JsonObject { ["ref"] = pr.Head, ["label"] = $"{_owner}:{pr.Head}", ["sha"] = new string('0', 40) },
        ["base"] = new JsonObject { ["ref"] = pr.Base, ["label"] = $"{_owner}:{pr.Base}", ["sha"] = new string('0', 40) },
        ["user"] = new JsonObject { ["login"] = "modelpipe-bot", ["id"] = 1 },
        ["labels"] = new JsonArray(pr.Labels.Select((l, i) => (JsonNode)new JsonObject { ["id"] = i + 1, ["name"] = l }).ToArray()),
        ["requested_reviewers"] = new JsonArray(pr.Reviewers.Select((r, i) => (JsonNode)new JsonObject { ["login"] = r, ["id"] = i + 100 }).ToArray()),
    };
}

public sealed class FakePullRequest
{
    public int Number { get; init; }
    public required string Head { get; init; }
    public required string Base { get; init; }
    public required string Title { get; set; }
    public required string Body { get; set; }
    public bool Open { get; set; } = true;
    public int Updates { get; set; }
    public List<string> Labels { get; } = [];
    public List<string> Reviewers { get; } = [];

    /// <summary>Comments (GitHub issue comments, GitLab notes), in order.</summary>
    public List<string> Comments { get; } = [];
}
