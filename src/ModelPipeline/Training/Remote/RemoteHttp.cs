using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelPipeline.Errors;
using ModelPipeline.Progress;
using Polly;
using Polly.Retry;

namespace ModelPipeline.Training.Remote;

/// <summary>
/// The one HTTP layer of the remote backends: a bearer token (from an environment variable, never
/// in a URL) sent only to the API's exact origin (<see cref="RemoteCredential"/>), and a Polly retry
/// of 408, 429 and 5xx answers and connection failures, honouring Retry-After with a floor (a
/// <c>Retry-After: 0</c> still waits) and a cap of 60 s per wait, bounded by <c>retries</c> attempts.
/// A POST (not idempotent) is repeated only when the service cannot have acted on it (no
/// connection, 408, 429, 503). Error messages quote at most <see cref="RemoteText.MaxQuote"/>
/// characters of an answer.
/// </summary>
public sealed class RemoteHttp : IDisposable
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http;
    private readonly string _service;
    private readonly RemoteCredential? _credential;

    public RemoteHttp(string service, RemoteCredential? credential, int retries, IPipelineReporter reporter, string? model, TimeSpan? baseDelay = null)
    {
        _service = service;
        _credential = credential;
        var floor = baseDelay ?? TimeSpan.FromMilliseconds(500);
        ResiliencePipeline<HttpResponseMessage> Build(bool idempotent) => new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Math.Max(retries, 1),
                Delay = floor,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                MaxDelay = MaxWait,
                ShouldHandle = args => ValueTask.FromResult(retries > 0 && args.Outcome switch
                {
                    // A POST is repeated only when the service cannot have acted on it: no connection, 408, 429, 503.
                    { Exception: HttpRequestException ex } => idempotent || ex.HttpRequestError == HttpRequestError.ConnectionError,
                    { Result: { } r } => idempotent ? Transient(r.StatusCode) : r.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable,
                    _ => false,
                }),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, floor)),
                OnRetry = args =>
                {
                    var why = args.Outcome.Result is { } r ? $"HTTP {(int)r.StatusCode}" : args.Outcome.Exception?.Message;
                    reporter.Warning(model, Redactor.Redact($"{service}: {why}; retrying in {args.RetryDelay.TotalSeconds:F1}s ({args.AttemptNumber + 1}/{retries})"));
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        var inner = new SocketsHttpHandler { AllowAutoRedirect = true };
        _http = new HttpClient(new RetryHandler(Build(idempotent: true), Build(idempotent: false)) { InnerHandler = new OriginHandler(credential) { InnerHandler = inner } })
        {
            Timeout = TimeSpan.FromMinutes(10),
        };
        if (credential is not null) Redactor.Register(credential.Token);
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("modelpipe/1");
    }

    public HttpClient Client => _http;

    public static bool Transient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>Sends JSON (or nothing) and parses a JSON answer; a non-success status is an <see cref="RemoteHttpException"/>.</summary>
    public async Task<JsonNode?> SendAsync(HttpMethod method, string url, JsonNode? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new RemoteHttpException(Redactor.Redact($"{_service}: {method} {url} failed: {ex.Message}"), null, ex);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                var hint = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                    ? _credential is null ? " Fix: the service wants a token: set tokenEnv to the name of the variable that holds it."
                        : $" Fix: check the token in the environment variable {_credential.Variable} (named by tokenEnv)."
                    : "";
                throw new RemoteHttpException(Redactor.Redact(
                    $"{_service}: {method} {url} answered HTTP {(int)response.StatusCode}: {RemoteText.Quote(text)}.{hint}"), response.StatusCode);
            }
            try
            {
                return text.Length == 0 ? null : JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                throw new RemoteHttpException(Redactor.Redact(
                    $"{_service}: {method} {url} answered HTTP {(int)response.StatusCode} with a body that is not JSON: {RemoteText.Quote(text)}."), response.StatusCode);
            }
        }
    }

    /// <summary>Retry-After (seconds or a date), never below <paramref name="floor"/> nor above 60 s; null: back off exponentially.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan floor)
    {
        var header = response?.Headers.RetryAfter;
        if (header is null) return null;
        var wait = header.Delta ?? (header.Date is { } at ? at - DateTimeOffset.UtcNow : TimeSpan.Zero);
        if (wait < floor) wait = floor;
        return wait > MaxWait ? MaxWait : wait;
    }

    public void Dispose() => _http.Dispose();

    private sealed class RetryHandler(ResiliencePipeline<HttpResponseMessage> idempotent, ResiliencePipeline<HttpResponseMessage> post) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) =>
            (request.Method == HttpMethod.Post ? post : idempotent).ExecuteAsync(async token => await base.SendAsync(request, token), ct).AsTask();
    }
}

/// <summary>Adds the bearer token to requests for the credential's exact origin, and to no other.</summary>
internal sealed class OriginHandler(RemoteCredential? credential) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        request.Headers.Authorization = credential is not null && credential.Origin.Matches(request.RequestUri)
            ? new AuthenticationHeaderValue("Bearer", credential.Token) : null;
        return base.SendAsync(request, ct);
    }
}

/// <summary>A token, the environment variable it came from (for messages), and the one origin it is sent to.</summary>
public sealed record RemoteCredential(string Token, string Variable, RemoteOrigin Origin);

/// <summary>A remote service answered with an error status, or could not be reached (after retries).</summary>
public sealed class RemoteHttpException(string message, HttpStatusCode? status, Exception? inner = null) : OperationFailedException(message, inner)
{
    public HttpStatusCode? Status { get; } = status;
}
