using ModelPipeline.Errors;
using ModelPipeline.Git;

namespace ModelPipeline.Serving;

public sealed partial class SyncPass
{
    /// <summary>
    /// Writes this host's record (<c>hosts/&lt;host&gt;.json</c>: what each entry serves, the last pass, the schedule) to
    /// the fleet repository and pushes it; a push that loses a race with another host is retried from the new tip, as
    /// zoo pushes are (each host writes only its own file, so nothing is lost). The host needs write access to the fleet
    /// repository only. A failure is a warning and recorded in status.json; serving is not affected.
    /// </summary>
    private async Task ReportFleetAsync(CancellationToken ct)
    {
        if (_sync.Fleet is not { } fleet) return;
        var status = SyncStatus.Read(Root.StatusPath);
        var record = new FleetHostRecord
        {
            Host = fleet.Host,
            UpdatedAt = DateTimeOffset.UtcNow,
            Schedule = _sync.Schedule,
            LastPass = status.LastPass,
            LastError = status.LastError,
            Models = status.Entries.Select(e => new FleetEntry
            {
                Model = e.Model, Entry = e.Entry, Version = e.Version, Digest = e.Digest, Serving = e.Serving,
                SwitchedAt = e.SwitchedAt, Result = e.Result, LastError = e.LastError, CheckedAt = e.CheckedAt, Rejected = e.Rejected,
            }).ToList(),
        };
        FleetPushStatus pushed;
        try
        {
            var remote = GitRemote.Create("fleet", fleet.Url, fleet.TokenEnv, "sync.json $.fleet.url", Path.GetDirectoryName(_sync.Path)!);
            var git = new GitCli(remote.Credential is null ? [] : [remote.Credential]);
            var clone = new GitClone(git, remote, fleet.Branch, Path.Combine(Root.StateDir, "fleet"))
            {
                Recovered = message => _reporter.Warning(null, message),
            };
            var author = new GitAuthor($"modelpipe sync on {fleet.Host}", $"modelpipe-sync@{fleet.Host}");
            var outcome = await clone.CommitChangeAndPushAsync(author, (tree, _) =>
            {
                var path = FleetHostRecord.PathFor(tree, fleet.Host);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                RunState.RunStateStore.Write(path, record);
                var served = string.Join(", ", record.Models.Select(m => $"{m.Model} {m.Serving ?? "nothing"}"));
                var message = $"fleet: {fleet.Host} serves {served}\n\n"
                    + $"Pass at {record.LastPass?.StartedAt:u}, exit {record.LastPass?.ExitCode}.\n";
                return Task.FromResult<GitChange?>(new GitChange(message, [Path.GetRelativePath(tree, path)]));
            }, maxAttempts: 8, ct);
            pushed = new FleetPushStatus { At = DateTimeOffset.UtcNow, Commit = outcome.Commit };
            _reporter.Info(null, $"fleet record {FleetHostRecord.Folder}/{fleet.Host}.json pushed to {Redactor.Redact(fleet.Url)}");
        }
        catch (PipelineException ex)
        {
            var why = Redactor.Redact(ex.Message.Split('\n')[0]);
            pushed = new FleetPushStatus { At = DateTimeOffset.UtcNow, Error = why };
            _reporter.Warning(null, $"the fleet record could not be pushed to {Redactor.Redact(fleet.Url)} ({why}); serving is not affected "
                + "and the next pass tries again. Fix: check that the fleet repository exists and this host may push to it.");
        }
        (SyncStatus.Read(Root.StatusPath) with { Fleet = pushed }).Write(Root.StatusPath);
    }
}
