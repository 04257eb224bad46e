using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Progress;

namespace ModelPipeline.Notifications;

/// <summary>
/// Tells every webhook that wants an event about it, one after the other, and logs each delivery. A failed
/// delivery is a warning (and a line in the log, which the report lists), never a failure of the step. An event
/// with its own id is delivered once per webhook: a delivery the log already records as made is not repeated.
/// </summary>
public sealed class Notifier(NotificationSettings settings, string logPath, IPipelineReporter reporter, string source = "pipeline")
{
    /// <summary>The pipeline's notifier: pipeline.json's webhooks, the log under the artifacts folder.</summary>
    public static Notifier For(PipelineConfig config, IPipelineReporter reporter) =>
        new(config.Notifications, LogPath(config.ArtifactsDir), reporter);

    public static string LogPath(string artifactsDir) => Path.Combine(artifactsDir, "notifications", DeliveryLog.FileName);

    public string LogFile => logPath;

    /// <summary>Delivers the event; returns what each webhook got (empty when none wants it).</summary>
    public async Task<IReadOnlyList<DeliveryRecord>> NotifyAsync(WebhookEvent e, CancellationToken ct)
    {
        var wanting = settings.Webhooks.Where(w => w.Wants(e.Event)).ToList();
        if (wanting.Count == 0) return [];
        e = e with { Source = source, RunId = e.RunId ?? Reporting.RunJournal.CurrentRunId() };
        var records = new List<DeliveryRecord>();
        var told = e.Id.Length == 0 ? new HashSet<string>() : DeliveryLog.Read(logPath)
            .Where(r => r.Id == e.Id && r.Result == "delivered").Select(r => r.Webhook).ToHashSet();
        foreach (var hook in wanting)
        {
            var delivery = e with { Id = e.Id.Length > 0 ? e.Id : Guid.NewGuid().ToString() };
            var url = hook.ResolveUrl();
            if (told.Contains(hook.Label(url)))
            {
                reporter.Info(e.Model, $"webhook {hook.Label(url)}: {e.Event} {e.Id} was delivered before; not again");
                continue;
            }
            var outcome = url is null
                ? new WebhookSender.Outcome(false, 0, null, $"the URL variable {hook.UrlEnv} (urlEnv) is not set. Fix: export {hook.UrlEnv} where this step runs.")
                : await WebhookSender.SendAsync(hook, url, delivery, reporter, ct);
            var record = new DeliveryRecord
            {
                Id = delivery.Id, Event = e.Event, At = DateTimeOffset.UtcNow, Model = e.Model, Version = e.Version,
                Webhook = hook.Label(url), Target = WebhookSettings.Origin(url), Format = hook.Format,
                Result = outcome.Delivered ? "delivered" : "failed", Attempts = outcome.Attempts, Status = outcome.Status,
                Error = outcome.Error is null ? null : Redactor.Redact(outcome.Error), RunId = e.RunId, Host = e.Host,
            };
            try
            {
                DeliveryLog.Append(logPath, record);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                reporter.Warning(e.Model, $"the delivery log {logPath} could not be written ({ex.Message})");
            }
            if (outcome.Delivered)
                reporter.Info(e.Model, $"webhook {record.Webhook}: {e.Event} delivered ({record.Id}, {outcome.Attempts} attempt(s))");
            else
                reporter.Warning(e.Model, $"webhook {record.Webhook}: {e.Event} was not delivered after {outcome.Attempts} attempt(s): "
                    + $"{record.Error}. The step goes on; the delivery is listed in {logPath} and the report.");
            records.Add(record);
        }
        return records;
    }
}
