using System.Text.RegularExpressions;
using ModelPipeline.GitOps;
using ModelPipeline.RunState;

namespace ModelPipeline.History;

/// <summary>One version's stay in one environment.</summary>
public sealed record HistoryEntry
{
    public required string Model { get; init; }
    public required string Environment { get; init; }
    public required int Version { get; init; }
    public required string Digest { get; init; }
    public required DateTimeOffset From { get; init; }

    /// <summary>When the next version (or the removal) replaced it; null: it runs there now.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>The GitOps commit that put it there.</summary>
    public required string Commit { get; init; }

    /// <summary>The author of the proposed change ("Name &lt;email&gt;").</summary>
    public required string ProposedBy { get; init; }

    /// <summary>Who merged the pull/merge request; null for a direct commit or a fast-forward.</summary>
    public string? MergedBy { get; init; }

    /// <summary>"#12" (GitHub) or "!7" (GitLab) as the merge commit names it.</summary>
    public string? Request { get; init; }

    /// <summary>The request's URL (or the local forge's file) from this workspace's promotion record.</summary>
    public string? RequestUrl { get; init; }

    /// <summary>The version it replaced (null: the first in this environment).</summary>
    public int? Replaced { get; init; }

    /// <summary>A version older than the one it replaced.</summary>
    public bool Rollback => Replaced is { } r && Version < r;
}

/// <summary>
/// Turns the GitOps branch's config.yaml changes (<see cref="GitOpsRepository.PinChangesAsync"/>) into each
/// model's history per environment: consecutive changes that keep the version (serving values) are one stay.
/// </summary>
public static partial class PromotionHistory
{
    public static readonly string[] Environments = ["test", "prod"];

    [GeneratedRegex(@"^Merge pull request (#\d+)")] private static partial Regex GitHubMerge();
    [GeneratedRegex(@"See merge request \S*?(!\d+)")] private static partial Regex GitLabMerge();

    /// <summary>Every model's history from the configured GitOps repository (two git processes after a sync).</summary>
    public static async Task<IReadOnlyList<HistoryEntry>> ReadAsync(Configuration.PipelineConfig config,
        Progress.IPipelineReporter reporter, RunStateStore? state, CancellationToken ct)
    {
        using var repo = await GitOpsRepository.OpenAsync(config, reporter, ct);
        return Build(await repo.PinChangesAsync(Environments, ct), state);
    }

    /// <param name="state">This workspace's run state, for the promotion records' URLs (null: none).</param>
    public static IReadOnlyList<HistoryEntry> Build(IReadOnlyList<PinChange> changes, RunStateStore? state) =>
        new PinTimeline().Fold(changes, pins: false).History(state);

    /// <summary>A stay as the GitOps history alone tells it: <see cref="HistoryEntry.RequestUrl"/> and a request
    /// number that only this workspace's promotion record knows come in <see cref="Resolve"/>.</summary>
    /// <param name="Key">The training key of a prod stay, whose promotion record is looked for; else null.</param>
    public sealed record Stay(HistoryEntry Entry, string? Key);

    /// <summary>
    /// Folds one change of a (model, environment)'s config.yaml into its <paramref name="stays"/> (oldest first; the
    /// last one open while it runs there): a change that keeps the version (serving values) is the same stay.
    /// </summary>
    internal static void Fold(List<Stay> stays, PinChange change)
    {
        EnvironmentConfig? config = null;
        if (change.Content is not null)
        {
            var where = EnvironmentConfig.PathFor(change.Environment, change.Model);
            try { config = ConfigYaml.Parse(change.Content, where); }
            catch (Errors.PipelineException) { return; } // an unreadable revision is left out
        }
        var current = stays.Count > 0 && stays[^1].Entry.Until is null ? stays[^1].Entry : null;
        if (current is not null && config?.ModelVersion == current.Version && config.ImageDigest == current.Digest)
            return;
        if (current is not null) stays[^1] = stays[^1] with { Entry = current with { Until = change.At } };
        if (config is not null) stays.Add(Entry(change, config, current?.Version));
    }

    /// <summary>The stays as history entries, with this workspace's promotion records, in model, environment and
    /// time order.</summary>
    internal static IReadOnlyList<HistoryEntry> Resolve(IEnumerable<Stay> stays, RunStateStore? state) =>
        stays.Select(s => s.Key is null || state is null ? s.Entry : WithRecord(s.Entry, Read(state, s.Entry.Model,
                s.Key)))
            .OrderBy(e => e.Model, StringComparer.Ordinal)
            .ThenBy(e => Array.IndexOf(Environments, e.Environment)).ThenBy(e => e.From).ToList();

    private static HistoryEntry WithRecord(HistoryEntry entry, PromotionRecord? record) =>
        record is null || record.Version != entry.Version ? entry : entry with
        {
            Request = entry.Request ?? (record.Number is { } n ? "#" + n : null),
            RequestUrl = record.Url,
        };

    private static Stay Entry(PinChange change, EnvironmentConfig config, int? replaced)
    {
        var merge = change.BranchAuthor is not null;
        var request = GitHubMerge().Match(change.Message) is { Success: true } gh ? gh.Groups[1].Value
            : GitLabMerge().Match(change.Message) is { Success: true } gl ? gl.Groups[1].Value : null;
        var key = change.Environment == Promotion.Environment && config.TrainingKey.Length == 64
            ? config.TrainingKey : null;
        return new Stay(new HistoryEntry
        {
            Model = change.Model,
            Environment = change.Environment,
            Version = config.ModelVersion,
            Digest = config.ImageDigest,
            From = change.At,
            Commit = change.Commit,
            ProposedBy = merge ? change.BranchAuthor! : change.Author,
            MergedBy = merge ? change.Author : null,
            Request = request,
            Replaced = replaced,
        }, key);
    }

    private static PromotionRecord? Read(RunStateStore state, string model, string key)
    {
        try { return state.ReadRun<PromotionRecord>(model, key, "pr"); }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException) { return null; }
    }
}
