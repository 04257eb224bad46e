using System.Collections.Concurrent;
using CliWrap.Buffered;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ModelPipeline.Tests.Forges;

/// <summary>
/// The shared base of the fake forges: ASP.NET Core minimal APIs on 127.0.0.1 (a free port), a log
/// of every request, token checking, and scripted failures served before the real handlers.
/// </summary>
public abstract class FakeServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<ScriptedResponse> _script = new();
    private WebApplication? _app;

    protected FakeServer(string token) => Token = token;

    public string Token { get; }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>"METHOD /path?query" of every request, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Exceptions thrown by the fake's own handlers (a bug in the fake, shown by tests that fail).</summary>
    public ConcurrentQueue<string> Failures { get; } = new();

    /// <summary>The next request gets no answer at all (a hung API behind a proxy); the client's timeout must end it.</summary>
    public void Stall() => _script.Enqueue(new ScriptedResponse(0, "", []));

    /// <summary>The next requests get these responses instead of being handled (rate limits, errors).</summary>
    public void Enqueue(int status, string body, params (string Name, string Value)[] headers) =>
        _script.Enqueue(new ScriptedResponse(status, body, headers));

    protected async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            Requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
            if (_script.TryDequeue(out var scripted) && scripted.Status == 0)
            {
                // A stalled server: no answer until the client gives up (its timeout) and closes the connection.
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }
                return;
            }
            if (scripted is not null)
            {
                context.Response.StatusCode = scripted.Status;
                foreach (var (name, value) in scripted.Headers) context.Response.Headers[name] = value;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(scripted.Body);
                return;
            }
            if (!Authorized(context.Request))
            {
                context.Response.StatusCode = 401;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(UnauthorizedBody);
                return;
            }
            try
            {
                await next(context);
            }
            catch (Exception ex)
            {
                Failures.Enqueue(ex.ToString());
                throw;
            }
        });
        Map(app);
        await app.StartAsync();
        _app = app;
        BaseUrl = app.Urls.First().TrimEnd('/') + "/";
    }

    protected abstract string UnauthorizedBody { get; }

    protected abstract bool Authorized(HttpRequest request);

    protected abstract void Map(WebApplication app);

    /// <summary>The request body as JSON whatever its content type (GitHub ignores it; Octokit sends form-urlencoded).</summary>
    protected static async Task<System.Text.Json.JsonElement> ReadJsonAsync(HttpRequest request)
    {
        using var document = await System.Text.Json.JsonDocument.ParseAsync(request.Body);
        return document.RootElement.Clone();
    }

    /// <summary>Whether a branch exists in the backing bare repository (the real one the pipeline pushed to).</summary>
    protected static async Task<bool> BranchExistsAsync(string bareRepo, string branch)
    {
        if (!Directory.Exists(bareRepo)) return false;
        var result = await CliWrap.Cli.Wrap("git").WithArguments(["rev-parse", "--verify", "--quiet", $"refs/heads/{branch}"])
            .WithWorkingDirectory(bareRepo).WithValidation(CliWrap.CommandResultValidation.None)
            .ExecuteBufferedAsync();
        return result.ExitCode == 0;
    }

    /// <summary>Deletes a branch of the backing bare repository (what the forge's branch/ref deletion does); false when it did not exist.</summary>
    protected static async Task<bool> DeleteBranchAsync(string bareRepo, string branch)
    {
        if (!await BranchExistsAsync(bareRepo, branch)) return false;
        await CliWrap.Cli.Wrap("git").WithArguments(["update-ref", "-d", $"refs/heads/{branch}"]).WithWorkingDirectory(bareRepo).ExecuteBufferedAsync();
        return true;
    }

    /// <summary>The requests that change something (every method but GET), in order.</summary>
    public IReadOnlyList<string> Writes => Requests.Where(r => !r.StartsWith("GET ", StringComparison.Ordinal)).ToList();

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private sealed record ScriptedResponse(int Status, string Body, (string Name, string Value)[] Headers);
}
