using ModelPipeline.Errors;
using ModelPipeline.Progress;

namespace ModelPipeline.Forges;

/// <summary>
/// Waits out a forge's rate limits (GitHub 403 secondary limit and 429, GitLab 429) for at most
/// <c>forge.rateLimitMaxWaitSeconds</c> in total per step, then fails with a clear message.
/// </summary>
public sealed class RateLimitBudget(string service, TimeSpan max, IPipelineReporter reporter)
{
    /// <summary>GitHub's advice when a secondary rate limit carries no Retry-After: wait at least a minute.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(60);

    private TimeSpan _waited;

    public TimeSpan Waited => _waited;

    public async Task WaitAsync(TimeSpan? retryAfter, string request, CancellationToken ct)
    {
        var wait = retryAfter is { } r && r >= TimeSpan.Zero ? r : DefaultWait;
        if (_waited + wait > max)
            throw new OperationFailedException(
                $"{service} rate limit: {request} was refused and asks to wait {wait.TotalSeconds:0}s; with {_waited.TotalSeconds:0}s already waited that exceeds forge.rateLimitMaxWaitSeconds ({max.TotalSeconds:0}s). " +
                "Fix: re-run the step later, or raise forge.rateLimitMaxWaitSeconds in pipeline.json.");
        reporter.Warning(null, $"{service} rate limit on {request}; waiting {wait.TotalSeconds:0}s before retrying");
        await Task.Delay(wait, ct);
        _waited += wait;
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
