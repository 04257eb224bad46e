using System.CommandLine;
using System.Diagnostics;
using ModelPipeline.Cli.Output;
using ModelPipeline.Errors;
using ModelPipeline.Models;
using ModelPipeline.Settling;

namespace ModelPipeline.Cli.Commands;

/// <summary>Builds verbs and runs them with one error policy: expected failures print their message
/// (exit 2 invalid input, 1 failed operation); unexpected ones print the stack trace (exit 1).</summary>
internal static class Verb
{
    /// <summary>A verb that runs one step for each selected model and ends with a summary table.</summary>
    public static Command PerModel(string name, string description,
        Func<CommandContext, ModelDefinition, CancellationToken, Task<StepResult>> step)
    {
        var model = CommonOptions.Model();
        var command = new Command(name, description) { model };
        command.SetAction((parse, ct) => Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var models = await ctx.ChainModelsAsync(parse, model, name, ct);
            return await RunRowsAsync(ctx, name, models, m => m.Name, m => m.Name, (m, itemCtx) => step(itemCtx, m, ct),
                ctx.Parallel);
        }, ct));
        return command;
    }

    /// <summary>
    /// A per-model verb whose library step takes every model at once (e.g. one commit and one push for the
    /// run), then renders one row per model from its outcome: a value, or the model's own error. A failure
    /// of the whole batch (other than invalid input, which stops the run) is every model's error.
    /// </summary>
    public static Command Batched<T>(string name, string description,
        Func<CommandContext, IReadOnlyList<ModelDefinition>, CancellationToken,
            Task<IReadOnlyList<(T? Value, PipelineException? Error)>>> batch,
        Func<ModelDefinition, T, StepResult> row) where T : class
    {
        var model = CommonOptions.Model();
        var command = new Command(name, description) { model };
        command.SetAction((parse, ct) => Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var models = await ctx.ChainModelsAsync(parse, model, name, ct);
            IReadOnlyList<(T? Value, PipelineException? Error)> outcomes;
            try
            {
                outcomes = models.Count == 0 ? [] : await batch(ctx, models, ct);
            }
            catch (PipelineException ex) when (ex is not InvalidInputException)
            {
                outcomes = [.. models.Select(_ => ((T?)null, (PipelineException?)ex))];
            }
            var items = models.Select((m, i) => (Model: m, Index: i)).ToList();
            return await RunRowsAsync(ctx, name, items, x => x.Model.Name, x => x.Model.Name, x =>
                outcomes[x.Index] is { Value: { } value }
                    ? Task.FromResult(row(x.Model, value))
                    : Task.FromException<StepResult>(outcomes[x.Index].Error!));
        }, ct));
        return command;
    }

    /// <summary>Runs one row after the other, each with the verb's own context.</summary>
    public static Task<int> RunRowsAsync<T>(CommandContext ctx, string name, IEnumerable<T> items,
        Func<T, string> model, Func<T, string> section, Func<T, Task<StepResult>> step,
        Func<PipelineException, int?>? rowExitCode = null, IReadOnlyCollection<string>? summarized = null) =>
        RunRowsAsync(ctx, name, items, model, section, (item, _) => step(item), parallel: 1, rowExitCode, summarized);

    /// <summary>
    /// Runs one step per item (a model, an alias pin, a version) in its own log section, timed; a
    /// failure fails that row only (invalid input still stops the run with exit 2 unless
    /// <paramref name="rowExitCode"/> maps it). Ends with the summary table and, with --json, the document.
    /// </summary>
    /// With <paramref name="parallel"/> above 1, up to that many rows run at once, each writing to its own
    /// buffer that is flushed whole, in input order; the summary keeps the input order too.
    /// Over many models (<see cref="QuietAbove"/>, no --verbose), rows whose result is in <paramref name="summarized"/>
    /// (default: skipped) are only counted, unless their lines hold a warning or an error.
    public static async Task<int> RunRowsAsync<T>(CommandContext ctx, string name, IEnumerable<T> items,
        Func<T, string> model, Func<T, string> section, Func<T, CommandContext, Task<StepResult>> step, int parallel,
        Func<PipelineException, int?>? rowExitCode = null, IReadOnlyCollection<string>? summarized = null)
    {
        rowExitCode ??= ex => ex is InvalidInputException ? null : ex.ExitCode;
        summarized ??= [Skipped];
        var rows = items.ToList();
        var outcomes = new (StepResult Result, int Exit)[rows.Count];
        async Task RunAsync(int i, CommandContext rowCtx)
        {
            var item = rows[i];
            rowCtx.Output.BeginSection($"{name} {section(item)}");
            var clock = Stopwatch.StartNew();
            try
            {
                var result = await step(item, rowCtx);
                outcomes[i] = (result with { DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 2) }, 0);
            }
            catch (Exception caught) when (AsExpected(caught, model(item)) is { } ex && rowExitCode(ex) is { } code)
            {
                rowCtx.Output.Error(model(item), ex.Message);
                if (ex is GateFailedException gate) await GateFailedAsync(rowCtx, model(item), name, gate);
                outcomes[i] = (new StepResult { Model = model(item), Step = name, Result = "failed", Detail = FirstLine(ex.Message), DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 2) }, code);
            }
            finally
            {
                rowCtx.Output.EndSection($"{name} {section(item)}");
            }
        }

        // Over many models, only the rows a step did not skip are shown (a 1,000-model no-op prints a line per step).
        var quiet = !ctx.Verbose && rows.Count + ctx.Settled.Count > QuietAbove;
        if (quiet)
            await RowBuffers.RunAsync(ctx, rows.Count, parallel, RunAsync,
                (i, text) => outcomes[i].Result is not { } result || Shown(result, text, summarized));
        else if (parallel <= 1 || rows.Count <= 1)
            for (var i = 0; i < rows.Count; i++) await RunAsync(i, ctx);
        else
            await RowBuffers.RunAsync(ctx, rows.Count, parallel, RunAsync);

        var results = outcomes.Select(o => o.Result).ToList();
        var exit = outcomes.Select(o => o.Exit).DefaultIfEmpty(0).Max();
        if (ctx.Settled.Count > 0)
            results = [.. results.Concat(ctx.Settled.Select(s => new StepResult
            {
                Model = s.Key, Step = name, Result = Skipped, Detail = $"settled: unchanged since run {s.Value}",
            })).OrderBy(r => r.Model, StringComparer.Ordinal)];
        ctx.Output.Summary(quiet ? results.Where(r => !summarized.Contains(r.Result)).ToList() : results);
        if (quiet) ctx.Output.Info(null, Counts(name, results));
        ReportCommands.Journal(ctx, name, exit, results); // the run journal (artifacts/runs/<MODELPIPE_RUN_ID>/)
        if (ctx.SettlingVerb is { } verb && ctx.RunId is { } run)
        {
            Settlement.Passed(ctx.Config, run, verb,
                results.Where(r => r.Result is "ok" or Skipped && !ctx.Settled.ContainsKey(r.Model))
                    .Select(r => r.Model));
            if (verb == Settlement.Chain[^1]
                && await Settlement.RecordAsync(ctx.Config, run, ctx.Output, CancellationToken.None) is > 0 and var n)
                ctx.Output.Info(null,
                    $"{n} model(s) settled: later runs pass over them until something they depend on changes");
        }
        if (ctx.Json) WriteJson(name, exit, results);
        return exit;
    }

    /// <summary>Above this many rows, a verb without <c>--verbose</c> prints only the rows it did not skip.</summary>
    public const int QuietAbove = 20;

    private const string Skipped = "skipped";

    /// <summary>Check's rows: a definition found valid is counted, not listed, over many models.</summary>
    public static readonly IReadOnlyCollection<string> OkOrSkipped = ["ok", Skipped];

    /// <summary>A row's lines are printed unless its result is only counted and it said nothing worth a look
    /// (a warning or an error).</summary>
    private static bool Shown(StepResult result, string text, IReadOnlyCollection<string> summarized) =>
        !summarized.Contains(result.Result)
        || text.Contains("warning", StringComparison.OrdinalIgnoreCase) || text.Contains("error", StringComparison.OrdinalIgnoreCase);

    /// <summary>"package: 1000 model(s): 999 skipped, 1 ok (--verbose lists every model)".</summary>
    private static string Counts(string name, List<StepResult> results) =>
        $"{name}: {results.Count} model(s): "
        + string.Join(", ", results.GroupBy(r => r.Result).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"))
        + " (--verbose lists every model)";

    /// <summary>Runs an action under the error policy.</summary>
    public static async Task<int> Guard(Func<Task<int>> action, CancellationToken ct)
    {
        try
        {
            return await action();
        }
        catch (PipelineException ex)
        {
            JsonEnvelope.Failed(ex, ex.Message);
            await Console.Error.WriteLineAsync(Redactor.Redact($"error: {ex.Message}"));
            return ex.ExitCode;
        }
        catch (IOException ex) when (DiskFull.Is(ex))
        {
            JsonEnvelope.Failed(ex, DiskFull.Explain(ex, null).Message);
            await Console.Error.WriteLineAsync(Redactor.Redact($"error: {DiskFull.Explain(ex, null).Message}"));
            return 1;
        }
        catch (Exception ex) when (ct.IsCancellationRequested && ex is OperationCanceledException or ObjectDisposedException)
        {
            // SIGTERM or Ctrl-C: work still unwinding may meet a token source already disposed.
            JsonEnvelope.Failed(ex, "cancelled");
            await Console.Error.WriteLineAsync("cancelled; child processes were stopped and nothing partial was kept.");
            return 130;
        }
        catch (OperationCanceledException ex)
        {
            // Not the user's Ctrl-C: a network call ran past its timeout.
            JsonEnvelope.Failed(ex, $"an operation timed out ({ex.Message})");
            await Console.Error.WriteLineAsync(Redactor.Redact($"error: an operation timed out ({ex.Message}). Fix: check that the service is reachable, or raise the timeout in pipeline.json."));
            return 1;
        }
        catch (Exception ex)
        {
            JsonEnvelope.Failed(ex, $"unexpected error (a bug): {ex.GetType().Name}: {ex.Message}");
            await Console.Error.WriteLineAsync(Redactor.Redact($"unexpected error (a bug; please report it with this trace):{Environment.NewLine}{ex}"));
            return 1;
        }
    }

    /// <summary>The verb's <c>--json</c> envelope, <c>{command, exitCode, results[]}</c> (<see cref="JsonEnvelope"/>).</summary>
    public static void WriteJson(string command, int exitCode, IReadOnlyList<StepResult> results) =>
        JsonEnvelope.Write(command, exitCode, results);

    /// <summary>With --json, the envelope of a verb that succeeded with these items.</summary>
    public static void WriteJson(CommandContext ctx, string command, params StepResult[] results)
    {
        if (ctx.Json) JsonEnvelope.Write(command, 0, results);
    }

    /// <summary>One item of a verb's result (<c>model</c> is "" for an item about no single model).</summary>
    public static StepResult Item(string model, string step, string detail, object? data, string result = "ok") =>
        new() { Model = model, Step = step, Result = result, Detail = detail, Data = data };

    /// <summary>gate.failed to the webhooks that want it (a failed delivery only warns).</summary>
    private static async Task GateFailedAsync(CommandContext ctx, string model, string step, GateFailedException gate) =>
        await Notifications.Notifier.For(ctx.Config, ctx.Output).NotifyAsync(new Notifications.WebhookEvent
        {
            Event = Notifications.EventTypes.GateFailed, Model = model, Step = step,
            Summary = $"{model}: the {step} gate refused it", Detail = Redactor.Redact(FirstLine(gate.Message)
                + (gate.Failures.Count > 0 ? Environment.NewLine + string.Join(Environment.NewLine, gate.Failures) : "")),
        }, CancellationToken.None);

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    /// <summary>An expected failure as it stands, or a full disk as one (exit 1); null for anything else.</summary>
    private static PipelineException? AsExpected(Exception ex, string model) => ex switch
    {
        PipelineException expected => expected,
        IOException io when DiskFull.Is(io) => DiskFull.Explain(io, model),
        _ => null,
    };
}
