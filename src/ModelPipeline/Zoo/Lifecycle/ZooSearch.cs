using System.Globalization;
using System.Text.RegularExpressions;
using ModelPipeline.Errors;

namespace ModelPipeline.Zoo.Lifecycle;

/// <summary>What <c>models search</c> looks for; every given criterion must hold (AND).</summary>
public sealed record SearchQuery
{
    /// <summary>Only this model (null: every model).</summary>
    public string? Model { get; init; }

    /// <summary>Tags the version must have, with these values.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>Comparisons against the version's recorded metrics (metrics.json).</summary>
    public IReadOnlyList<MetricFilter> Metrics { get; init; } = [];

    /// <summary>An owner of the version containing this text (case-insensitive).</summary>
    public string? Owner { get; init; }

    /// <summary>An alias that points at the version now.</summary>
    public string? Alias { get; init; }

    /// <summary>Published at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Archived versions too (left out by default, as in the report).</summary>
    public bool IncludeArchived { get; init; }
}

/// <summary><c>accuracy&gt;=0.95</c>: a metric name, a comparison (&gt;= &lt;= &gt; &lt; = !=) and a number.</summary>
public sealed partial record MetricFilter(string Metric, string Op, double Value)
{
    public static MetricFilter Parse(string text)
    {
        var m = Pattern().Match(text);
        var value = 0.0;
        if (!m.Success
            || !double.TryParse(m.Groups[3].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
            throw new InvalidInputException($"metric filter '{text}' is not NAME OP NUMBER. Fix: write e.g. "
                + $"accuracy>=0.95 "
                + "(OP is one of >=, <=, >, <, =, !=; quote it in the shell).");
        return new MetricFilter(m.Groups[1].Value, m.Groups[2].Value == "==" ? "=" : m.Groups[2].Value, value);
    }

    public bool Matches(IReadOnlyDictionary<string, double> metrics) =>
        metrics.TryGetValue(Metric, out var v) && Op switch
        {
            ">=" => v >= Value,
            "<=" => v <= Value,
            ">" => v > Value,
            "<" => v < Value,
            "!=" => v != Value,
            _ => v == Value,
        };

    public override string ToString() => $"{Metric}{Op}{Value.ToString(CultureInfo.InvariantCulture)}";

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_.\-]*)\s*(>=|<=|==|!=|>|<|=)\s*(\S+)$")]
    private static partial Regex Pattern();
}

/// <summary>One version <c>models search</c> found.</summary>
public sealed record SearchHit
{
    public required string Model { get; init; }
    public required int Version { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public required string Digest { get; init; }
    public IReadOnlyList<string> Owners { get; init; } = [];
    public IReadOnlyList<string> Aliases { get; init; } = [];
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
    public VersionState State { get; init; }
    public string? Reason { get; init; }
}

/// <summary>Searches a zoo working tree: manifests, metrics.json, aliases, tags and lifecycle, newest first.</summary>
public static class ZooSearch
{
    public static IReadOnlyList<SearchHit> Run(string root, SearchQuery query)
    {
        var hits = new List<SearchHit>();
        foreach (var model in ZooLayout.Models(root).Where(m => query.Model is null || m == query.Model))
        {
            var aliases = ZooLayout.ReadAliases(root, model);
            var tags = ZooLifecycle.ReadTags(root, model);
            var statuses = ZooLifecycle.Read(root, model);
            foreach (var v in ZooLayout.Versions(root, model))
            {
                var path = ZooLayout.ManifestPath(root, model, v);
                if (!File.Exists(path)) continue;
                var manifest = ZooLayout.Read<VersionManifest>(path);
                var metricsPath = Path.Combine(ZooLayout.VersionDir(root, model, v), "metrics.json");
                var metrics = File.Exists(metricsPath) ? ZooLayout.Read<Dictionary<string, double>>(metricsPath) : [];
                var status = statuses.GetValueOrDefault(v);
                var hit = new SearchHit
                {
                    Model = model, Version = v, CreatedAt = manifest.CreatedAt, Digest = manifest.Image.Digest,
                    Owners = manifest.Owners,
                    Aliases = aliases.Where(a => a.Value == v).Select(a => a.Key).ToList(),
                    Tags = tags.TryGetValue(v, out var t) ? t : new SortedDictionary<string, string>(),
                    Metrics = new SortedDictionary<string, double>(metrics, StringComparer.Ordinal),
                    State = status?.State ?? VersionState.Active, Reason = status?.Reason,
                };
                if (Matches(hit, query)) hits.Add(hit);
            }
        }
        return hits.OrderByDescending(h => h.CreatedAt).ThenBy(h => h.Model, StringComparer.Ordinal)
            .ThenByDescending(h => h.Version).ToList();
    }

    private static bool Matches(SearchHit hit, SearchQuery q) =>
        (q.IncludeArchived || hit.State != VersionState.Archived)
        && q.Tags.All(t => hit.Tags.TryGetValue(t.Key, out var value) && value == t.Value)
        && q.Metrics.All(m => m.Matches(hit.Metrics))
        && (q.Owner is null || hit.Owners.Any(o => o.Contains(q.Owner, StringComparison.OrdinalIgnoreCase)))
        && (q.Alias is null || hit.Aliases.Contains(q.Alias))
        && (q.Since is null || hit.CreatedAt >= q.Since);

    /// <summary>
    /// <c>--since</c>: a date or time (ISO 8601, UTC unless it says otherwise) or <c>Nd</c> (N days ago).
    /// </summary>
    public static DateTimeOffset ParseSince(string text, DateTimeOffset now)
    {
        if (text.Length > 1 && text[^1] == 'd'
            && int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var days))
            return now.AddDays(-days);
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            return at;
        throw new InvalidInputException($"--since '{text}' is not a date. Fix: write a date or time such as "
            + $"2026-12-01 or "
            + "2026-12-01T08:00:00Z, or Nd for N days ago (e.g. 7d).");
    }
}
