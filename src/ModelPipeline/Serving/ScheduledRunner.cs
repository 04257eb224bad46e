using ModelPipeline.Errors;
using ModelPipeline.Progress;

namespace ModelPipeline.Serving;

/// <summary>
/// The daemon loop shared by the sync client and the publisher: one instance per lock file (a
/// second daemon is refused), a run at each scheduled time (plus jitter), a failed run is reported
/// and the next one comes on schedule; cancellation (SIGTERM, Ctrl-C) ends the wait or the run in
/// progress and the loop returns.
/// </summary>
public sealed class ScheduledRunner(CronSchedule schedule, string instanceLock, string role, IPipelineReporter reporter)
{
    /// <param name="run">One run; it must leave things consistent when cancelled.</param>
    /// <param name="report">Called with the daemon's state: waiting (with the next time), running, stopped.</param>
    /// <param name="runAtStart">Run once right away before following the schedule (a serving host catching up after boot).</param>
    public async Task RunAsync(Func<CancellationToken, Task> run, Action<DaemonStatus> report, bool runAtStart, CancellationToken ct)
    {
        using var held = await ProcessLock.AcquireAsync(instanceLock, TimeSpan.Zero, $"another {role} daemon", ct);
        var started = DateTimeOffset.UtcNow;
        var passes = 0;
        DaemonStatus State(string state, DateTimeOffset? next = null) => new()
        {
            Pid = Environment.ProcessId, Schedule = schedule.Text, State = state, StartedAt = started, NextPassAt = next, Passes = passes,
            StoppedAt = state == "stopped" ? DateTimeOffset.UtcNow : null,
        };
        reporter.Info(null, $"{role} daemon started (process {Environment.ProcessId}), schedule {schedule.Text}");
        var first = runAtStart;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (!first)
                {
                    var next = schedule.Next(DateTimeOffset.UtcNow);
                    report(State("waiting", next));
                    reporter.Info(null, $"next {role} run at {next:u}");
                    await WaitUntilAsync(next, ct);
                }
                first = false;
                report(State("running"));
                try
                {
                    await run(ct);
                }
                catch (PipelineException ex)
                {
                    reporter.Warning(null, $"the {role} run failed; the next one comes on schedule: {ex.Message}");
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // A daemon outlives one bad run: report it with its trace (it is a bug) and keep the schedule.
                    reporter.Warning(null, Redactor.Redact($"the {role} run failed unexpectedly (a bug; please report it with this trace); the next one comes on schedule:{Environment.NewLine}{ex}"));
                }
                passes++;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutdown: the run in progress has cleaned up after itself.
        }
        report(State("stopped"));
        reporter.Info(null, $"{role} daemon stopped after {passes} run(s)");
    }

    /// <summary>Waits in steps of at most a day (Task.Delay's limit, and clock changes are picked up).</summary>
    private static async Task WaitUntilAsync(DateTimeOffset when, CancellationToken ct)
    {
        while (when - DateTimeOffset.UtcNow is var left && left > TimeSpan.Zero)
            await Task.Delay(left < TimeSpan.FromDays(1) ? left : TimeSpan.FromDays(1), ct);
    }
}
