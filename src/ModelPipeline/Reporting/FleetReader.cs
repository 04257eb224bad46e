using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Git;
using ModelPipeline.Progress;
using ModelPipeline.Serving;

namespace ModelPipeline.Reporting;

/// <summary>Reads the fleet record (pipeline.json's <c>fleet</c>) with one fetch into a cached clone, for the report.</summary>
public static class FleetReader
{
    /// <summary>The fleet view, or null when no fleet is configured; an unreadable record is a listed problem and no hosts.</summary>
    public static async Task<FleetReport?> ReportAsync(PipelineConfig config, IPipelineReporter reporter,
        IReadOnlyList<ModelReport> models, ICollection<string> problems, CancellationToken ct)
    {
        if (config.Fleet is not { } fleet) return null;
        var source = Redactor.Redact(fleet.Url);
        IReadOnlyList<FleetHostRecord> records = [];
        string? commit = null;
        try
        {
            var remote = GitRemote.Create("fleet", fleet.Url, fleet.TokenEnv, "pipeline.json $.fleet.url", config.RepoRoot);
            source = Redactor.Redact(remote.Url);
            var git = new GitCli(remote.Credential is null ? [] : [remote.Credential]);
            var clone = new GitClone(git, remote, fleet.Branch, Path.Combine(config.CacheDir, "fleet-clones"))
            {
                IsReadOnlyCache = true,
                Recovered = message => reporter.Warning(null, message),
            };
            using (await clone.LockAsync(TimeSpan.FromMinutes(10), ct))
            {
                commit = await clone.SyncAsync(ct);
                records = FleetHostRecord.ReadAll(clone.WorkTree, problems);
            }
        }
        catch (PipelineException ex)
        {
            problems.Add($"the fleet record {source} could not be read: {ex.Message.Split('\n')[0]}");
        }
        return FleetReport.Build(source, commit, records, models, fleet.StaleAfterSchedules, DateTimeOffset.UtcNow, problems);
    }
}
