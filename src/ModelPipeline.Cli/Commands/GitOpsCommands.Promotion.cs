using System.CommandLine;
using System.Diagnostics;
using ModelPipeline.Cli.Output;
using ModelPipeline.Errors;
using ModelPipeline.GitOps;

namespace ModelPipeline.Cli.Commands;

internal static partial class GitOpsCommands
{
    public static Command OpenPr() => Verb.PerModel("pr",
        "Open (or update) the pull request that sets prod/<name>/config.yaml to the digest now in test.",
        async (ctx, model, ct) => Result("pr", await new Promotion(ctx.Config, ctx.State, ctx.Output).OpenForTestedAsync(model, ct)));

    /// <summary><c>promote --model NAME --version N</c>: the same pull request for a chosen, tested version.</summary>
    public static Command Promote()
    {
        var model = new Option<string>("--model", "-m") { Description = "The model to promote.", Required = true };
        var version = new Option<int>("--version") { Description = "The zoo version to promote (it must have passed validation and run in test).", Required = true };
        var command = new Command("promote", "Open the promotion pull request for a chosen version that passed validation and was deployed to test.") { model, version };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var n = parse.GetValue(version);
            if (n < 1) throw new InvalidInputException($"--version {n}: zoo versions start at 1. Fix: pass a version listed in the zoo (models/<name>/index.json).");
            var definition = Models.ModelCatalog.Load(ctx.Root, [parse.GetValue(model)!]).Single();
            ctx.Output.BeginSection($"promote {definition.Name} v{n}");
            var clock = Stopwatch.StartNew();
            StepResult result;
            var exit = 0;
            try
            {
                result = Result("promote", await new Promotion(ctx.Config, ctx.State, ctx.Output).PromoteAsync(definition, n, ct));
            }
            catch (PipelineException ex) when (ex is not InvalidInputException)
            {
                ctx.Output.Error(definition.Name, ex.Message);
                result = new StepResult { Model = definition.Name, Step = "promote", Result = "failed", Detail = ex.Message.Split('\n')[0] };
                exit = ex.ExitCode;
            }
            finally
            {
                ctx.Output.EndSection($"promote {definition.Name} v{n}");
            }
            result = result with { DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 2) };
            ctx.Output.Summary([result]);
            if (ctx.Json) Verb.WriteJson("promote", exit, [result]);
            return exit;
        }, ct));
        return command;
    }

    private static StepResult Result(string step, PromotionRecord record) => new()
    {
        Model = record.Model,
        Step = step,
        Result = record.Action is "nothing-to-do" or "unchanged" ? "skipped" : "ok",
        Detail = record.Action == "nothing-to-do"
            ? $"prod already pins v{record.Version}; no branch, no pull request"
            : $"{record.Action} {record.Branch}: {record.Url}",
        Data = record,
    };
}
