using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelPipeline.Errors;
using ModelPipeline.Progress;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ModelPipeline.Notifications;

/// <summary>
/// Sends one delivery: a POST of the body (the event, or <c>{"text": …}</c> for Slack) with
/// <c>X-Modelpipe-Event</c>, <c>X-Modelpipe-Delivery</c> (the id, the same on every attempt) and, when the
/// webhook names a secret variable, <c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256 of the body&gt;</c> as
/// GitHub signs its webhooks. A Polly pipeline retries connection failures, attempt timeouts, 408, 429 and
/// 5xx with exponential backoff (jitter, from <see cref="BaseDelay"/>) up to <c>attempts</c>, all within
/// <c>budgetSeconds</c>; other answers are final. Never throws for a failed delivery: the outcome says it.
/// </summary>
public static class WebhookSender
{
    public const string SignatureHeader = "X-Hub-Signature-256";
    public const string DeliveryHeader = "X-Modelpipe-Delivery";
    public const string EventHeader = "X-Modelpipe-Event";

    /// <summary>The first wait between attempts; each later wait doubles (with jitter).</summary>
    public static readonly TimeSpan BaseDelay = TimeSpan.FromSeconds(1);

    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public sealed record Outcome(bool Delivered, int Attempts, int? Status, string? Error);

    /// <summary>The body bytes a webhook receives for an event.</summary>
    public static byte[] Body(WebhookSettings hook, WebhookEvent e) => hook.Format == "slack"
        ? JsonSerializer.SerializeToUtf8Bytes(new { text = e.Summary + (e.Detail is { } d ? $"\n{d}" : "") })
        : JsonSerializer.SerializeToUtf8Bytes(e, DeliveryLog.Line);

    /// <summary><c>sha256=&lt;hex&gt;</c>: HMAC-SHA256 of the exact body bytes with the secret.</summary>
    public static string Sign(byte[] body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public static async Task<Outcome> SendAsync(WebhookSettings hook, string url, WebhookEvent e, IPipelineReporter reporter,
        CancellationToken ct)
    {
        string? secret = null;
        if (hook.SecretEnv is { } env && (secret = System.Environment.GetEnvironmentVariable(env)) is not { Length: > 0 })
            return new Outcome(false, 0, null, $"the secret variable {env} (secretEnv) is not set, so nothing was sent unsigned. "
                + $"Fix: export {env} where this step runs.");
        if (secret is not null) Redactor.Register(secret);
        var body = Body(hook, e);
        var label = hook.Label(url);
        var attempts = 0;
        int? status = null;
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddTimeout(TimeSpan.FromSeconds(hook.BudgetSeconds))
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Math.Max(hook.Attempts - 1, 1),
                Delay = BaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldHandle = args => ValueTask.FromResult(hook.Attempts > 1 && args.Outcome switch
                {
                    { Exception: HttpRequestException or TimeoutRejectedException } => true,
                    { Result: { } r } => Transient(r.StatusCode),
                    _ => false,
                }),
                OnRetry = args =>
                {
                    var why = args.Outcome.Result is { } r ? $"HTTP {(int)r.StatusCode}" : args.Outcome.Exception?.Message;
                    reporter.Warning(e.Model, Redactor.Redact($"webhook {label} ({e.Event}): {why}; "
                        + $"retrying in {args.RetryDelay.TotalSeconds:F1}s ({args.AttemptNumber + 2}/{hook.Attempts})"));
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(TimeSpan.FromSeconds(hook.TimeoutSeconds))
            .Build();
        try
        {
            using var response = await pipeline.ExecuteAsync(async token =>
            {
                attempts++;
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                request.Headers.UserAgent.ParseAdd("modelpipe-webhook/1");
                request.Headers.Add(EventHeader, e.Event);
                request.Headers.Add(DeliveryHeader, e.Id);
                if (secret is not null) request.Headers.Add(SignatureHeader, Sign(body, secret));
                var answer = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
                status = (int)answer.StatusCode;
                return answer;
            }, ct);
            return response.IsSuccessStatusCode
                ? new Outcome(true, attempts, status, null)
                : new Outcome(false, attempts, status, $"the receiver answered HTTP {status}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException
            || ex is OperationCanceledException && !ct.IsCancellationRequested)
        {
            var why = ex is TimeoutRejectedException ? $"ran out of time ({ex.Message})" : ex.Message;
            return new Outcome(false, attempts, status, Redactor.Redact(why));
        }
    }

    private static bool Transient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;
}
