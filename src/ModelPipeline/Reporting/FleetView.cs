using ModelPipeline.Errors;
using ModelPipeline.Serving;
using ModelPipeline.Zoo;

namespace ModelPipeline.Reporting;

/// <summary>The fleet as the report shows it: every host's record, whether it is stale, and per entry whether it drifts.</summary>
public sealed record FleetReport
{
    /// <summary>The fleet repository (redacted) and the commit read.</summary>
    public required string Source { get; init; }

    public string? Commit { get; init; }
    public required int StaleAfterSchedules { get; init; }
    public required IReadOnlyList<FleetHostView> Hosts { get; init; }

    /// <summary>Every model some host follows, in name order (the columns).</summary>
    public IReadOnlyList<string> Models => Hosts.SelectMany(h => h.Cells.Select(c => c.Entry.Model)).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Judges each record against the zoo (at the commit the report read) and the clock: an entry drifts when the host
    /// serves another version than its reference resolves to now; a host is stale when <paramref name="staleAfter"/> of
    /// its scheduled times (plus its jitter) passed since its last pass started.
    /// </summary>
    public static FleetReport Build(string source, string? commit, IReadOnlyList<FleetHostRecord> records,
        IReadOnlyList<ModelReport> models, int staleAfter, DateTimeOffset now, ICollection<string> problems)
    {
        var hosts = records.Select(r => new FleetHostView
        {
            Record = r,
            StaleSince = StaleSince(r, staleAfter, problems),
            Cells = r.Models.Select(e => Judge(e, models.FirstOrDefault(m => m.Name == e.Model))).ToList(),
        }).Select(h => h with { Stale = h.StaleSince is { } since && now > since }).ToList();
        return new FleetReport { Source = source, Commit = commit, StaleAfterSchedules = staleAfter, Hosts = hosts };
    }

    /// <summary>The time after which the host counts as stale: the Nth scheduled time after its last pass, plus jitter.</summary>
    private static DateTimeOffset? StaleSince(FleetHostRecord r, int staleAfter, ICollection<string> problems)
    {
        if (r.LastPass is not { } pass) return DateTimeOffset.MinValue;
        CronSchedule schedule;
        try { schedule = CronSchedule.From(r.Schedule, $"hosts/{r.Host}.json $.schedule"); }
        catch (InvalidInputException ex)
        {
            problems.Add($"fleet record hosts/{r.Host}.json: {ex.Message}");
            return null;
        }
        var at = pass.StartedAt;
        for (var i = 0; i < staleAfter; i++)
            if (schedule.Occurrence(at) is { } next) at = next;
            else return null;
        return at + TimeSpan.FromSeconds(schedule.JitterSeconds);
    }

    private static FleetCellView Judge(FleetEntry e, ModelReport? model)
    {
        var at = e.Entry.IndexOf('@', StringComparison.Ordinal);
        var reference = at < 0 ? "" : e.Entry[(at + 1)..];
        int? expected = null;
        string? unknown = null;
        if (ZooLayout.ParseVersion(reference) is { } n) expected = n;
        else if (ZooLayout.IsDigest(reference))
            expected = model?.Versions.FirstOrDefault(v => v.Manifest.Image.Digest == reference)?.Version;
        else if (model is not null && model.Aliases.TryGetValue(reference, out var aliased)) expected = aliased;
        if (model is null) unknown = $"the zoo has no model {e.Model}";
        else if (expected is null) unknown = $"{reference} resolves to no version in the zoo";
        var drift = unknown is null && e.Version != expected;
        return new FleetCellView { Entry = e, Expected = expected, Drift = drift, Unknown = unknown };
    }
}

public sealed record FleetHostView
{
    public required FleetHostRecord Record { get; init; }
    public required IReadOnlyList<FleetCellView> Cells { get; init; }
    public bool Stale { get; init; }

    /// <summary>When it became (or becomes) stale; MinValue when it never finished a pass; null when unknown.</summary>
    public DateTimeOffset? StaleSince { get; init; }
}

/// <summary>One host × model: what it serves, what its reference resolves to in the zoo, and whether the two differ.</summary>
public sealed record FleetCellView
{
    public required FleetEntry Entry { get; init; }
    public int? Expected { get; init; }
    public bool Drift { get; init; }

    /// <summary>Why the expected version is unknown (no such model or alias in the zoo).</summary>
    public string? Unknown { get; init; }
}
