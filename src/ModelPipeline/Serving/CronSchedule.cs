using Cronos;
using ModelPipeline.Errors;

namespace ModelPipeline.Serving;

/// <summary>A cron expression (5 fields, or 6 with seconds first) read in an IANA time zone, plus a random delay after each time.</summary>
public sealed class CronSchedule
{
    private readonly CronExpression _expression;
    private readonly TimeZoneInfo _zone;
    private readonly int _jitterSeconds;

    private CronSchedule(CronExpression expression, TimeZoneInfo zone, int jitterSeconds, string text)
    {
        _expression = expression;
        _zone = zone;
        _jitterSeconds = jitterSeconds;
        Text = text;
    }

    /// <summary>The expression and zone as given, for status and logs.</summary>
    public string Text { get; }

    public static CronSchedule From(SyncSchedule schedule, string field = "$.schedule") =>
        Parse(schedule.Cron, schedule.TimeZone, schedule.JitterSeconds, field);

    public static CronSchedule Parse(string cron, string timeZone, int jitterSeconds, string field)
    {
        // Both fields are checked before either is reported: a bad cron must not hide a bad time zone.
        var problems = new List<string>();
        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        CronExpression? expression = null;
        try
        {
            expression = CronExpression.Parse(cron, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            problems.Add($"{field}.cron: '{cron}' is not a cron expression ({ex.Message}). Fix: give 5 fields (minute hour day month weekday), or 6 with seconds first, e.g. '*/5 * * * *'.");
        }
        TimeZoneInfo? zone = null;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            problems.Add($"{field}.timeZone: '{timeZone}' is not a time zone this machine knows. Fix: use an IANA name such as UTC or Europe/Berlin (install tzdata if it is missing).");
        }
        if (expression is null || zone is null)
            throw problems.Count == 1 ? new InvalidInputException(problems[0]) : new InvalidInputException($"{field}: {problems.Count} problems", problems);
        return new CronSchedule(expression, zone, jitterSeconds, $"{cron} ({zone.Id}{(jitterSeconds > 0 ? $", jitter {jitterSeconds}s" : "")})");
    }

    public int JitterSeconds => _jitterSeconds;

    /// <summary>The next scheduled time after <paramref name="after"/>, without jitter (null: none).</summary>
    public DateTimeOffset? Occurrence(DateTimeOffset after) =>
        _expression.GetNextOccurrence(after.UtcDateTime, _zone) is { } next ? new DateTimeOffset(next, TimeSpan.Zero) : null;

    /// <summary>The next time after <paramref name="now"/> a run starts: the next occurrence plus a random jitter.</summary>
    public DateTimeOffset Next(DateTimeOffset now)
    {
        var next = _expression.GetNextOccurrence(now.UtcDateTime, _zone)
            ?? throw new InvalidInputException($"the schedule {Text} has no future time. Fix: correct the cron expression.");
        var jitter = _jitterSeconds > 0 ? TimeSpan.FromMilliseconds(Random.Shared.NextInt64(0, _jitterSeconds * 1000L)) : TimeSpan.Zero;
        return new DateTimeOffset(next, TimeSpan.Zero) + jitter;
    }
}
