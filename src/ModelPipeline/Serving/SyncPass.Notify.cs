using ModelPipeline.Notifications;

namespace ModelPipeline.Serving;

public sealed partial class SyncPass
{
    /// <summary>The host's notifier: sync.json's webhooks, the delivery log beside status.json.</summary>
    private Notifier HostNotifier => new(_sync.Notifications, Path.Combine(Root.StateDir, DeliveryLog.FileName), _reporter, "sync");

    /// <summary>
    /// sync.switched for each switch; sync.failed for an entry that failed now but not at the pass before (or
    /// failed otherwise then), so a host that stays broken does not notify at every pass.
    /// </summary>
    private async Task NotifyAsync(SyncStatus before, IEnumerable<EntryOutcome> outcomes, CancellationToken ct)
    {
        if (_sync.Notifications.Webhooks.Count == 0) return;
        var notifier = HostNotifier;
        foreach (var o in outcomes)
        {
            var last = before.Entries.FirstOrDefault(e => e.Model == o.Model);
            WebhookEvent? e = o.Result switch
            {
                "switched" => new WebhookEvent
                {
                    Event = EventTypes.SyncSwitched, Model = o.Model, Version = o.Version, Digest = o.Digest, Alias = o.Entry,
                    PreviousVersion = ServingRoot.VersionOf(o.Previous), Host = _sync.Host,
                    Summary = $"{_sync.Host}: {o.Entry} now serves v{o.Version}{(o.Previous is { } p ? $" (was {p})" : "")}",
                },
                "failed" when last?.Result != "failed" || FirstLine(last.LastError) != FirstLine(o.Detail) => new WebhookEvent
                {
                    Event = EventTypes.SyncFailed, Model = o.Model, Version = ServingRoot.VersionOf(o.Serving), Alias = o.Entry,
                    Host = _sync.Host, Detail = o.Detail,
                    Summary = $"{_sync.Host}: syncing {o.Entry} failed; it still serves {o.Serving ?? "nothing"}",
                },
                "reverted" => new WebhookEvent
                {
                    Event = EventTypes.SyncReverted, Model = o.Model, Version = o.Rejected?.Version, Digest = o.Rejected?.Digest,
                    PreviousVersion = ServingRoot.VersionOf(o.Serving), Alias = o.Entry, Host = _sync.Host, Detail = o.Detail,
                    Summary = $"{_sync.Host}: v{o.Rejected?.Version} of {o.Model} failed its health check; serving {o.Serving ?? "nothing"} again",
                },
                _ => null,
            };
            if (e is not null) await notifier.NotifyAsync(e, ct);
        }
    }

    private static string FirstLine(string? text) => (text ?? "").Split('\n')[0].Trim();
}
