using ModelPipeline.Errors;

namespace ModelPipeline.Serving;

public sealed partial class SyncPass
{
    /// <summary>
    /// The version switched to failed its health check: <c>current</c> goes back to the version served before (the
    /// hook runs for it again), or is removed when there was none; the version is remembered as rejected, so later
    /// passes do not switch to it again while the entry resolves to the same digest. Exit 1.
    /// </summary>
    private async Task<EntryOutcome> RevertAsync(FollowEntry entry, int version, string digest, string name, string? previous,
        string reason, CancellationToken ct)
    {
        var model = entry.Model;
        if (previous is not null) Root.Switch(model, previous);
        else File.Delete(Root.Confine(Path.Combine(Root.ModelDir(model), ServingRoot.CurrentLink), "the current link"));
        var back = previous is null ? "current was removed (no version was served before)" : $"current is back on {previous}";
        var message = $"{entry.Text}: v{version} ({name}) failed its health check ({reason}); {back}. "
            + $"v{version} is not tried again until {entry.Text} resolves to another digest. Fix: publish a healthy version.";
        _reporter.Warning(model, message);
        if (previous is not null && _sync.Hook is { } hook)
        {
            try
            {
                await new HookRunner(hook, Root.Root, _reporter).RunAsync(new HookRunner.Switched(entry, ServingRoot.VersionOf(previous) ?? 0,
                    digest, Root.VersionDir(model, previous), Path.Combine(Root.Root, model, ServingRoot.CurrentLink), Root.VersionDir(model, name)), ct);
            }
            catch (OperationFailedException ex)
            {
                _reporter.Warning(model, ex.Message);
            }
        }
        return new EntryOutcome
        {
            Entry = entry.Text, Model = model, Result = "reverted", ExitCode = 1, Serving = previous,
            Version = ServingRoot.VersionOf(previous), Previous = name, HookRanFor = previous, Detail = message,
            Rejected = new RejectedVersion { Version = version, Digest = digest, Reason = reason, At = DateTimeOffset.UtcNow },
        };
    }

    /// <summary>The entry resolves to the version rejected before: it is not switched to again; what is served stays.</summary>
    private EntryOutcome Held(FollowEntry entry, RejectedVersion rejected, string? serving)
    {
        var message = $"{entry.Text} resolves to v{rejected.Version}, which failed its health check at {rejected.At:u} "
            + $"({rejected.Reason}); not tried again until {entry.Text} resolves to another digest. "
            + $"{entry.Model} still serves {serving ?? "nothing"}.";
        _reporter.Warning(entry.Model, message);
        return new EntryOutcome
        {
            Entry = entry.Text, Model = entry.Model, Result = "rejected", ExitCode = 1, Serving = serving,
            Version = ServingRoot.VersionOf(serving), Detail = message, Rejected = rejected,
        };
    }
}
