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
    /// <summary>The models read from the zoo, whose pages are drawn.</summary>
    public required IReadOnlyList<ModelReport> Models
    {
        get => _models;
        init => (_models, _index, _names) = (value, null, null);
    }

    /// <summary>The models whose pages are kept as drawn by an earlier report (<see cref="PageMemo"/>): not read from
    /// the zoo; the index shows the row the memo kept. Each is the memo's entry, kept as it is.</summary>
    public IReadOnlyList<PageMemo.Entry> Kept
    {
        get => _kept;
        init => (_kept, _index, _names) = (value, null, null);
    }

    /// <summary>What each model's page is drawn from (<see cref="PageMemo.Inputs"/>), by model; a model without one
    /// is drawn every time.</summary>
    public IReadOnlyDictionary<string, string> PageInputs { get; init; } = new Dictionary<string, string>();

    private readonly IReadOnlyList<ModelReport> _models = [];
    private readonly IReadOnlyList<PageMemo.Entry> _kept = [];
    private IReadOnlyList<IndexEntry>? _index;
    private HashSet<string>? _names;

    /// <summary>Every model of the report (drawn and kept) as the index shows it, in name order.</summary>
    public IReadOnlyList<IndexEntry> Index => _index ??=
        [.. Models.Select(IndexPage.Entry).Concat(Kept.Select(k => k.Index))
            .OrderBy(m => m.Name, StringComparer.Ordinal)];

    /// <summary>Whether the zoo has a page for <paramref name="model"/> (a run page links 10,000 rows by it).</summary>
    public bool HasModel(string model) =>
        (_names ??= [.. Models.Select(m => m.Name).Concat(Kept.Select(k => k.Index.Name))]).Contains(model);
    public IReadOnlyList<RunRecord> Runs { get; init; } = [];

    /// <summary>Where test/prod come from: "the GitOps repository" or "the zoo's aliases".</summary>
    public string EnvironmentSource { get; init; } = "the zoo's test and prod aliases";

    /// <summary>The GitOps history as read up to now, kept in the report folder for the next report to continue
    /// (<see cref="PageMemo"/>); null when not read.</summary>
    public ModelPipeline.History.PinTimeline? Timeline { get; init; }

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

/// <summary>What the index shows of one model (<see cref="IndexPage.Entry"/>).</summary>
public sealed record IndexEntry
{
    public required string Name { get; init; }
    public required IReadOnlyList<string> Owners { get; init; }

    /// <summary>The model's alias names.</summary>
    public required IReadOnlyList<string> Aliases { get; init; }

    /// <summary>How many versions the page shows, and how many archived ones it hides.</summary>
    public required int Versions { get; init; }

    public required int ArchivedHidden { get; init; }

    /// <summary>How many metric charts the page has.</summary>
    public required int Charts { get; init; }

    /// <summary>The model's row of the index table (HTML).</summary>
    public required string Row { get; init; }
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

    /// <summary>This workspace's run-state files the report read for the model (validate.json of versions whose
    /// zoo entry records no validation), present or not.</summary>
    public IReadOnlyList<string> RunStateFiles { get; init; } = [];

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
