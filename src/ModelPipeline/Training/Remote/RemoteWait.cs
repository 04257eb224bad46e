using System.Diagnostics;
using ModelPipeline.Errors;
using ModelPipeline.Progress;

namespace ModelPipeline.Training.Remote;

/// <summary>
/// Waits for a remote run: polls with a growing interval until a terminal state or the deadline.
/// At the deadline or on Ctrl-C it cancels the run through the service's API (the HTTP layer's
/// bounded retries, within <see cref="CancelBudget"/>; the CLI lets a Ctrl-C'd process live that
/// long), then fails (or rethrows the cancellation, exit 130). A cancel that did not get through
/// says so: the run is still going, with its id and link. Poll errors left after the HTTP layer's
/// retries fail the step but leave the run going: a re-run attaches to it.
/// </summary>
public sealed class RemoteWait(IPipelineReporter reporter, string model, string service, string runId, string link)
{
    public required Func<CancellationToken, Task<RemoteStatus>> Poll { get; init; }
    public required Func<CancellationToken, Task> Cancel { get; init; }
    public required TimeSpan Timeout { get; init; }
    public required TimeSpan FirstDelay { get; init; }
    public required TimeSpan MaxDelay { get; init; }

    /// <summary>The longest the cancel request (with its retries) may take.</summary>
    public static readonly TimeSpan CancelBudget = TimeSpan.FromSeconds(30);

    /// <summary>How often an unchanged state is reported again.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(60);

    public async Task<RemoteStatus> RunAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(Timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        var delay = FirstDelay;
        string? last = null;
        var lastReport = TimeSpan.Zero;
        try
        {
            while (true)
            {
                RemoteStatus status;
                try
                {
                    status = await Poll(linked.Token);
                }
                catch (RemoteHttpException ex)
                {
                    throw new OperationFailedException($"model '{model}': lost contact with {service} while waiting for run {runId} ({ex.Message}). The run keeps going there; re-run Train to attach to it: {link}", ex) { Model = model };
                }
                if (status.State != last || clock.Elapsed - lastReport >= Heartbeat)
                {
                    reporter.Info(model, $"{service} run {runId}: {status.State} after {clock.Elapsed.TotalSeconds:F0}s ({link})");
                    last = status.State;
                    lastReport = clock.Elapsed;
                }
                if (status.Terminal) return status;
                await Task.Delay(delay, linked.Token);
                delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, (long)(delay.Ticks * 1.5)));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            reporter.Warning(model, $"cancelled: cancelling {service} run {runId}");
            await CancelQuietlyAsync();
            throw;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            var cancelled = await CancelQuietlyAsync();
            throw new OperationFailedException($"model '{model}': {service} run {runId} did not finish within training.timeoutSeconds ({Timeout.TotalSeconds:F0}s); {(cancelled ? "it was cancelled" : "cancelling it failed and it is still running, cancel it by hand")}: {link}. Fix: raise training.timeoutSeconds in model.json or make training faster.") { Model = model };
        }
    }

    private async Task<bool> CancelQuietlyAsync()
    {
        using var budget = new CancellationTokenSource(CancelBudget);
        try
        {
            await Cancel(budget.Token);
            reporter.Info(model, $"{service} run {runId}: cancel requested");
            return true;
        }
        catch (Exception ex) when (ex is OperationFailedException or OperationCanceledException or HttpRequestException)
        {
            var why = ex is OperationCanceledException ? $"no answer within {CancelBudget.TotalSeconds:F0}s" : ex.Message;
            reporter.Warning(model, Redactor.Redact(
                $"{service} run {runId} is STILL RUNNING: the cancel request failed ({why}). Cancel it by hand: {link}"));
            return false;
        }
    }
}
