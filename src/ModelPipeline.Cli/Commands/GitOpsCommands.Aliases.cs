using System.CommandLine;
using System.Diagnostics;
using ModelPipeline.Cli.Output;
using ModelPipeline.Errors;
using ModelPipeline.GitOps;

namespace ModelPipeline.Cli.Commands;

internal static partial class GitOpsCommands
{
    /// <summary><c>sync-aliases [--model NAME]...</c>: the zoo's test/prod aliases follow the GitOps repository.</summary>
    public static Command SyncAliases()
    {
        var model = new Option<string[]>("--model", "-m") { Description = "Only these models (repeatable). Default: every model deployed in the GitOps repository." };
        var command = new Command("sync-aliases", "Set the zoo's test and prod aliases to the versions test/*/config.yaml and prod/*/config.yaml of the GitOps repository deploy.") { model };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var sync = new AliasSync(ctx.Config, ctx.Output);
            var pins = await sync.ReadPinsAsync(parse.GetValue(model) ?? [], ct);
            var results = new List<StepResult>();
            var exit = 0;
            foreach (var pin in pins)
            {
                ctx.Output.BeginSection($"sync-aliases {pin.Model} {pin.Alias}");
                var clock = Stopwatch.StartNew();
                try
                {
                    var alias = await sync.ApplyAsync(pin, ct);
                    results.Add(new StepResult
                    {
                        Model = pin.Model,
                        Step = "sync-aliases",
                        Result = alias.Changed ? "ok" : "skipped",
                        Detail = alias.Changed ? $"{pin.Alias} -> v{pin.Version} ({pin.Path})" : $"{pin.Alias} already v{pin.Version}",
                        Data = alias,
                    });
                }
                catch (PipelineException ex)
                {
                    // An alias the zoo refuses (a version it does not have) fails this row, not the others.
                    ctx.Output.Error(pin.Model, ex.Message);
                    results.Add(new StepResult { Model = pin.Model, Step = "sync-aliases", Result = "failed", Detail = ex.Message.Split('\n')[0] });
                    exit = Math.Max(exit, 1);
                }
                finally
                {
                    ctx.Output.EndSection($"sync-aliases {pin.Model} {pin.Alias}");
                }
                results[^1] = results[^1] with { DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 2) };
            }
            if (pins.Count == 0) ctx.Output.Info(null, "the GitOps repository deploys no models yet; nothing to sync");
            ctx.Output.Summary(results);
            if (ctx.Json) Verb.WriteJson("sync-aliases", exit, results);
            return exit;
        }, ct));
        return command;
    }
}
