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
    public static IReadOnlyList<HistoryEntry> Build(IReadOnlyList<PinChange> changes, RunStateStore? state)
    {
        var result = new List<HistoryEntry>();
        foreach (var group in changes.GroupBy(c => (c.Model, c.Environment)))
        {
            HistoryEntry? current = null;
            foreach (var change in group)
            {
                EnvironmentConfig? config = null;
                if (change.Content is not null)
                {
                    var where = EnvironmentConfig.PathFor(change.Environment, change.Model);
                    try { config = ConfigYaml.Parse(change.Content, where); }
                    catch (Errors.PipelineException) { continue; } // an unreadable revision is left out
                }
                if (current is not null && config?.ModelVersion == current.Version
                    && config.ImageDigest == current.Digest)
                    continue;
                if (current is not null) result.Add(current = current with { Until = change.At });
                if (config is null) { current = null; continue; }
                current = Entry(change, config, current?.Version, state);
            }
            if (current is not null) result.Add(current);
        }
        return result.OrderBy(e => e.Model, StringComparer.Ordinal)
            .ThenBy(e => Array.IndexOf(Environments, e.Environment)).ThenBy(e => e.From).ToList();
    }

    private static HistoryEntry Entry(PinChange change, EnvironmentConfig config, int? replaced, RunStateStore? state)
    {
        var merge = change.BranchAuthor is not null;
        var request = GitHubMerge().Match(change.Message) is { Success: true } gh ? gh.Groups[1].Value
            : GitLabMerge().Match(change.Message) is { Success: true } gl ? gl.Groups[1].Value : null;
        var record = change.Environment == Promotion.Environment && state is not null && config.TrainingKey.Length == 64
            ? Read(state, change.Model, config.TrainingKey) : null;
        if (record?.Version != config.ModelVersion) record = null;
        return new HistoryEntry
        {
            Model = change.Model,
            Environment = change.Environment,
            Version = config.ModelVersion,
            Digest = config.ImageDigest,
            From = change.At,
            Commit = change.Commit,
            ProposedBy = merge ? change.BranchAuthor! : change.Author,
            MergedBy = merge ? change.Author : null,
            Request = request ?? (record?.Number is { } n ? "#" + n : null),
            RequestUrl = record?.Url,
            Replaced = replaced,
        };
    }

    private static PromotionRecord? Read(RunStateStore state, string model, string key)
    {
        try { return state.ReadRun<PromotionRecord>(model, key, "pr"); }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException) { return null; }
    }
}
