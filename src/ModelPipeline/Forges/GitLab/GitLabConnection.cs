using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using ModelPipeline.Configuration;
using ModelPipeline.Errors;

namespace ModelPipeline.Forges.GitLab;

/// <summary>
/// Sends JSON requests with the <c>PRIVATE-TOKEN</c> header, waits out 429s within the budget and
/// turns every other failure into the exception type <see cref="GitLabErrors"/> assigns to its status.
/// </summary>
internal sealed class GitLabConnection : IDisposable
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient _http;
    private readonly RateLimitBudget _budget;
    private readonly ForgeSettings _settings;

    public GitLabConnection(Uri apiRoot, string token, RateLimitBudget budget, HttpMessageHandler? handler, ForgeSettings settings)
    {
        _settings = settings;
        Redactor.Register(token);
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = apiRoot;
        _http.Timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds);
        _http.DefaultRequestHeaders.Add("PRIVATE-TOKEN", token);
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("modelpipe");
        _budget = budget;
    }

    public Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct) =>
        SendAsync(method, path, body, async (response, request, token) =>
            await response.Content.ReadFromJsonAsync<T>(Json, token) ?? throw new OperationFailedException($"GitLab: {request} returned an empty body."), ct);

    /// <summary>A request whose success has no body to read (e.g. 204 No Content of a DELETE).</summary>
    public Task SendAsync(HttpMethod method, string path, object? body, CancellationToken ct) =>
        SendAsync(method, path, body, (_, _, _) => Task.FromResult(true), ct);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, Func<HttpResponseMessage, string, CancellationToken, Task<T>> read, CancellationToken ct)
    {
        var request = $"{method} /api/v4/{path.Split('?')[0]}";
        while (true)
        {
            using var message = new HttpRequestMessage(method, path);
            if (body is not null) message.Content = JsonContent.Create(body, body.GetType(), options: Json);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(message, ct);
            }
            catch (HttpRequestException ex)
            {
                throw new OperationFailedException(Redactor.Redact($"GitLab: {request} got no answer from {_http.BaseAddress} ({ex.Message}). Fix: check forge.apiUrl and the network, then re-run (a merge request that was created is found and completed)."));
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new OperationFailedException(
                    $"GitLab: {request} timed out: no answer from {_http.BaseAddress} within {_settings.TimeoutSeconds}s. " +
                    "Fix: check forge.apiUrl and the network, or raise forge.timeoutSeconds in pipeline.json; then re-run.");
            }
            using (response)
            {
                if (response.IsSuccessStatusCode) return await read(response, request, ct);
                var retryAfter = RateLimitBudget.ParseRetryAfter(response.Headers.RetryAfter?.ToString());
                var error = GitLabErrors.For(response.StatusCode, request, await ErrorMessageAsync(response, ct), retryAfter, _settings.TokenEnv);
                if (error is not GitLabRateLimitException limited) throw error;
                await _budget.WaitAsync(limited.RetryAfter, $"{request} (429)", ct);
            }
        }
    }

    /// <summary>GitLab's <c>message</c> (a string, a list, or an object of field errors) or <c>error</c>, flattened.</summary>
    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && (root.TryGetProperty("message", out var m) || root.TryGetProperty("error", out m)))
                return Flatten(m);
        }
        catch (JsonException)
        {
            // not JSON: use the text itself
        }
        return text.Length > 200 ? text[..200] : text;
    }

    private static string Flatten(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString() ?? "",
        JsonValueKind.Array => string.Join("; ", e.EnumerateArray().Select(Flatten)),
        JsonValueKind.Object => string.Join("; ", e.EnumerateObject().Select(p => $"{p.Name} {Flatten(p.Value)}")),
        _ => e.ToString(),
    };

    public void Dispose() => _http.Dispose();
}
