using System.CommandLine;
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
            if (pins.Count == 0) ctx.Output.Info(null, "the GitOps repository deploys no models yet; nothing to sync");
            // One zoo commit for all; an alias the zoo refuses (a version it does not have) fails its row only.
            var moved = await sync.ApplyAllAsync(pins, ct);
            var rows = pins.Zip(moved).ToList();
            return await Verb.RunRowsAsync(ctx, "sync-aliases", rows, r => r.First.Model,
                r => $"{r.First.Model} {r.First.Alias}", row =>
            {
                var (pin, outcome) = row;
                var alias = outcome.Result ?? throw outcome.Error!;
                return Task.FromResult(new StepResult
                {
                    Model = pin.Model,
                    Step = "sync-aliases",
                    Result = alias.Changed ? "ok" : "skipped",
                    Detail = alias.Changed ? $"{pin.Alias} -> v{pin.Version} ({pin.Path})" : $"{pin.Alias} already v{pin.Version}",
                    Data = alias,
                });
            }, rowExitCode: _ => 1);
        }, ct));
        return command;
    }
}
