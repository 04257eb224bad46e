using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Progress;

namespace ModelPipeline.Forges;

/// <summary>
/// Waits out a forge's rate limits (GitHub 403 secondary limit, 403/429 with an exhausted quota,
/// GitLab 429). Every wait has a floor (<c>forge.rateLimitMinWaitSeconds</c>: a <c>Retry-After: 0</c>
/// or a reset already past still waits), jitter (up to a fifth more, so parallel jobs do not retry
/// in step), and counts against a total budget per step: at most <see cref="MaxRetries"/> retries
/// and <c>forge.rateLimitMaxWaitSeconds</c> of waiting (the cap: a longer wait fails at once).
/// GitHub: https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit;
/// GitLab: https://docs.gitlab.com/ee/security/rate_limits.html.
/// </summary>
public sealed class RateLimitBudget(string service, TimeSpan max, IPipelineReporter reporter, TimeSpan? floor = null)
{
    /// <summary>GitHub's advice when a secondary rate limit carries no Retry-After: wait at least a minute.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(60);

    /// <summary>The most rate-limited retries in one step, however short the waits.</summary>
    public const int MaxRetries = 10;

    private readonly TimeSpan _floor = floor is { } f && f > TimeSpan.Zero ? f : TimeSpan.FromSeconds(1);
    private TimeSpan _waited;
    private int _retries;

    public TimeSpan Waited => _waited;

    public static RateLimitBudget For(string service, ForgeSettings settings, IPipelineReporter reporter) =>
        new(service, TimeSpan.FromSeconds(settings.RateLimitMaxWaitSeconds), reporter,
            TimeSpan.FromSeconds(settings.RateLimitMinWaitSeconds));

    public async Task WaitAsync(TimeSpan? retryAfter, string request, CancellationToken ct)
    {
        var asked = retryAfter is { } r && r >= TimeSpan.Zero ? r : DefaultWait;
        var wait = asked < _floor ? _floor : asked;
        wait += TimeSpan.FromTicks((long)(wait.Ticks * 0.2 * Random.Shared.NextDouble()));
        if (_retries >= MaxRetries)
            throw new OperationFailedException(
                $"{service} rate limit: {request} was still refused after {MaxRetries} retries " +
                $"({_waited.TotalSeconds:0}s waited). " +
                "Fix: re-run the step later; check that no other job is using up the same token's quota.");
        if (_waited + wait > max)
            throw new OperationFailedException(
                $"{service} rate limit: {request} was refused and asks to wait {asked.TotalSeconds:0}s; " +
                $"with {_waited.TotalSeconds:0}s already waited that exceeds forge.rateLimitMaxWaitSeconds ({max.TotalSeconds:0}s). " +
                "Fix: re-run the step later, or raise forge.rateLimitMaxWaitSeconds in pipeline.json.");
        reporter.Warning(null,
            $"{service} rate limit on {request}; waiting {wait.TotalSeconds:0.0}s before retrying ({_retries + 1}/{MaxRetries})");
        await Task.Delay(wait, ct);
        _waited += wait;
        _retries++;
    }

    /// <summary>Reads a Retry-After header value: delta-seconds or an HTTP date.</summary>
    public static TimeSpan? ParseRetryAfter(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (int.TryParse(value.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
            return TimeSpan.FromSeconds(seconds);
        if (DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var date))
            return date - DateTimeOffset.UtcNow is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        return null;
    }
}
