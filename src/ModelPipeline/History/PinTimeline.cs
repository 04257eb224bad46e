using ModelPipeline.GitOps;
using ModelPipeline.RunState;

namespace ModelPipeline.History;

/// <summary>
/// The GitOps branch's config.yaml changes folded up to one commit: each (model, environment)'s stays and the
/// version its config.yaml deploys there. A report keeps it (<see cref="Reporting.PageMemo"/>) and the next one
/// folds in only the commits after it (<see cref="ReadAsync"/>), so a change to one model of 1,000 parses that
/// model's files, not every revision of every config.yaml. Folding the changes in two parts gives what folding them
/// at once gives.
/// </summary>
public sealed record PinTimeline
{
    /// <summary>The sha256 of the GitOps repository's URL and branch it was read from (a timeline of another is not
    /// continued; the report folder may be published, so not the URL itself).</summary>
    public string? Source { get; init; }

    /// <summary>The tip of the branch it was folded up to; null: none (an empty branch).</summary>
    public string? Commit { get; init; }

    /// <summary>One per (model, environment) that ever had a config.yaml, in no particular order.</summary>
    public IReadOnlyList<PinTrack> Tracks { get; init; } = [];

    /// <summary>
    /// The timeline of <paramref name="repo"/>'s branch: <paramref name="kept"/> continued with the commits after it,
    /// or read in full when there is none, it is of another repository or branch, or its commit is not on the
    /// branch's first-parent line any more (a force-push).
    /// </summary>
    public static async Task<PinTimeline> ReadAsync(GitOpsRepository repo, PinTimeline? kept, CancellationToken ct)
    {
        var source = Digests.Sha256(repo.Remote + "\n" + repo.Branch);
        var since = kept is not null && kept.Source == source ? kept.Commit : null;
        var log = since is null ? null : await repo.PinChangesSinceAsync(Environments, since, ct);
        if (log is null) kept = null;
        log ??= await repo.PinChangesSinceAsync(Environments, null, ct);
        return (kept ?? new PinTimeline()).Fold(log!.Changes, pins: true) with { Source = source, Commit = log.Tip };
    }

    /// <summary>The environments whose config.yaml changes are folded.</summary>
    public static readonly IReadOnlyList<string> Environments =
        [.. AliasSync.Environments.Union(PromotionHistory.Environments)];

    /// <summary>
    /// This timeline with <paramref name="changes"/> (oldest first, all after its commit) folded in. With
    /// <paramref name="pins"/>, the version each changed config.yaml deploys now is read too
    /// (<see cref="Deployed"/>).
    /// </summary>
    public PinTimeline Fold(IReadOnlyList<PinChange> changes, bool pins)
    {
        if (changes.Count == 0) return this;
        var tracks = Tracks.ToDictionary(t => (t.Model, t.Environment));
        foreach (var group in changes.GroupBy(c => (c.Model, c.Environment)))
        {
            var track = tracks.GetValueOrDefault(group.Key);
            var stays = track?.Stays.ToList() ?? [];
            if (PromotionHistory.Environments.Contains(group.Key.Environment))
                foreach (var change in group) PromotionHistory.Fold(stays, change);
            var last = group.Last().Content;
            int? version = null;
            string? error = null;
            if (pins && last is not null && AliasSync.Environments.Contains(group.Key.Environment))
            {
                try { version = AliasSync.PinOf(group.Key.Environment, group.Key.Model, last).Version; }
                catch (Errors.PipelineException ex) { error = ex.Message.Split('\n')[0]; }
            }
            tracks[group.Key] = new PinTrack
            {
                Model = group.Key.Model,
                Environment = group.Key.Environment,
                Stays = stays,
                Version = version,
                Error = error,
            };
        }
        return this with { Tracks = [.. tracks.Values] };
    }

    /// <summary>
    /// (model, environment) → the version its config.yaml at the tip deploys (deleted ones are not there); or, when a
    /// config.yaml there is unreadable, null and the first one's error (in environment, then model order).
    /// </summary>
    public (IReadOnlyDictionary<(string Model, string Environment), int>? Deployed, string? Error) Deployed()
    {
        var deployed = new Dictionary<(string Model, string Environment), int>();
        foreach (var environment in AliasSync.Environments)
            foreach (var track in Tracks.Where(t => t.Environment == environment)
                         .OrderBy(t => t.Model, StringComparer.Ordinal))
            {
                if (track.Error is not null) return (null, track.Error);
                if (track.Version is { } v) deployed[(track.Model, environment)] = v;
            }
        return (deployed, null);
    }

    /// <summary>Every model's stays (<see cref="PromotionHistory.Build"/>).</summary>
    /// <param name="state">This workspace's run state, for the promotion records' URLs (null: none).</param>
    public IReadOnlyList<HistoryEntry> History(RunStateStore? state) =>
        PromotionHistory.Resolve(Tracks.SelectMany(t => t.Stays), state);
}

/// <summary>One (model, environment) of a <see cref="PinTimeline"/>.</summary>
public sealed record PinTrack
{
    public required string Model { get; init; }
    public required string Environment { get; init; }

    /// <summary>Its stays, oldest first; the last one is open (no <c>Until</c>) while it runs there.</summary>
    public required IReadOnlyList<PromotionHistory.Stay> Stays { get; init; }

    /// <summary>The version its config.yaml at the tip deploys; null when deleted or unreadable.</summary>
    public int? Version { get; init; }

    /// <summary>Why its config.yaml at the tip is unreadable (the first line of the error).</summary>
    public string? Error { get; init; }
}
