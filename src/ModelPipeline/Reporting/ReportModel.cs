using ModelPipeline.Models;
using ModelPipeline.Zoo;

namespace ModelPipeline.Reporting;

/// <summary>Everything the static site is rendered from: the zoo at one commit, what GitOps deploys, the runs.</summary>
public sealed record ReportData
{
    /// <summary>The zoo's URL or path (redacted).</summary>
    public required string ZooSource { get; init; }

    public string? ZooCommit { get; init; }
    public required DateTimeOffset GeneratedAt { get; init; }
    public required IReadOnlyList<ModelReport> Models
    {
        get => _models;
        init
        {
            _models = value;
            _names = value.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        }
    }

    private readonly IReadOnlyList<ModelReport> _models = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>Whether the zoo has a page for <paramref name="model"/> (a run page links 10,000 rows by it).</summary>
    public bool HasModel(string model) => _names.Contains(model);
    public IReadOnlyList<RunRecord> Runs { get; init; } = [];

    /// <summary>Where test/prod come from: "the GitOps repository" or "the zoo's aliases".</summary>
    public string EnvironmentSource { get; init; } = "the zoo's test and prod aliases";

    /// <summary>Every model's stays in test and prod, from the GitOps history (empty when not read).</summary>
    public IReadOnlyList<ModelPipeline.History.HistoryEntry> History
    {
        get => _history;
        init
        {
            _history = value;
            HistoryOf = value.ToLookup(e => e.Model, StringComparer.Ordinal);
        }
    }

    private readonly IReadOnlyList<ModelPipeline.History.HistoryEntry> _history = [];

    /// <summary><see cref="History"/> by model: each model page takes its own entries, not a scan of all of them.</summary>
    public ILookup<string, ModelPipeline.History.HistoryEntry> HistoryOf { get; private init; } =
        Array.Empty<ModelPipeline.History.HistoryEntry>().ToLookup(e => e.Model, StringComparer.Ordinal);

    /// <summary>Said on a model page without history: why there is none.</summary>
    public string HistorySource { get; init; } = "The GitOps repository was not read, so there is no promotion history.";

    /// <summary>The serving hosts from the fleet record (null: no fleet configured, no fleet page).</summary>
    public FleetReport? Fleet { get; init; }

    /// <summary>The webhook delivery log of the run state (empty without notifications).</summary>
    public IReadOnlyList<Notifications.DeliveryRecord> Deliveries { get; init; } = [];

    /// <summary>Files that could not be read (rendered as a notice, never fatal).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Where drawn charts are kept for the next report (<see cref="ChartCache"/>); null draws every chart.</summary>
    public string? ChartCacheDir { get; init; }
}

/// <summary>One model of the zoo with all its versions (ascending).</summary>
public sealed record ModelReport
{
    public required string Name { get; init; }
    public string Description { get; init; } = "";
    public IReadOnlyList<string> Owners { get; init; } = [];
    public required IReadOnlyDictionary<string, int> Aliases { get; init; }
    public required IReadOnlyList<VersionReport> Versions { get; init; }

    /// <summary>The version the test / prod environment runs (GitOps, else the zoo alias).</summary>
    public int? Test { get; init; }
    public int? Prod { get; init; }

    public int? Latest => Aliases.TryGetValue(ZooLayout.Latest, out var v) ? v : Versions.Count > 0 ? Versions[^1].Version : null;
    public VersionReport? LatestVersion => Versions.FirstOrDefault(v => v.Version == Latest);
    public DateTimeOffset? LastPublished => Versions.Count == 0 ? null : Versions.Max(v => v.CreatedAt);

    /// <summary>Image tags of every version (what the search's "tag" finds).</summary>
    public IEnumerable<string> Tags => Versions.SelectMany(v => v.Tags).Distinct(StringComparer.Ordinal);

    /// <summary>Archived versions left out of <see cref="Versions"/> (the report's default view hides them).</summary>
    public int ArchivedHidden { get; init; }

    /// <summary>Every version's <c>key=value</c> tags (tags.json), distinct.</summary>
    public IEnumerable<string> KeyTags => Versions.SelectMany(v => v.KeyTags.Select(t => $"{t.Key}={t.Value}")).Distinct(StringComparer.Ordinal);

    /// <summary>Every metric any version reported, in name order.</summary>
    public IReadOnlyList<string> MetricNames => Versions.SelectMany(v => v.Metrics.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
}

/// <summary>One immutable version: manifest, metrics, gates, validation, lineage.</summary>
public sealed record VersionReport
{
    public required int Version { get; init; }
    public required VersionManifest Manifest { get; init; }
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>current (latest points here) or superseded.</summary>
    public required string Status { get; init; }

    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>The model.json the version was published with (null when unreadable).</summary>
    public ModelDefinition? Definition { get; init; }

    /// <summary>The validation gate's checks (null when the version does not record them).</summary>
    public ValidationView? Validation { get; init; }

    /// <summary>The serving check's verdict the version was published with (null in versions before it existed).</summary>
    public Inference.ServingCheckRecord? Serving { get; init; }

    /// <summary>Optional manifest fields this report has no dedicated place for, flattened (key path, value).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Extra { get; init; } = [];

    public DateTimeOffset CreatedAt => Manifest.CreatedAt;
    public long SizeBytes => Manifest.Files.Sum(f => f.Size);
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The version's free-form <c>key=value</c> tags (tags.json; not image tags).</summary>
    public IReadOnlyDictionary<string, string> KeyTags { get; init; } = new SortedDictionary<string, string>();

    /// <summary>Deprecated, yanked or archived (lifecycle.json); null while active.</summary>
    public Zoo.Lifecycle.VersionStatus? Lifecycle { get; init; }

    /// <summary>The metric gates the version was validated with (empty when unknown).</summary>
    public IReadOnlyDictionary<string, MetricGate> Gates { get; init; } = new Dictionary<string, MetricGate>();
}

/// <summary>The gate's verdict for a version and where it was read.</summary>
public sealed record ValidationView
{
    public required bool Passed { get; init; }
    public required IReadOnlyList<Validation.CheckResult> Checks { get; init; }

    /// <summary>"the zoo" (validation.json of the version) or "this workspace's run state".</summary>
    public required string Source { get; init; }
}
