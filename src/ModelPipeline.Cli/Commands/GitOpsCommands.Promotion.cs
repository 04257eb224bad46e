using System.CommandLine;
using ModelPipeline.Cli.Output;
using ModelPipeline.Errors;
using ModelPipeline.GitOps;

namespace ModelPipeline.Cli.Commands;

internal static partial class GitOpsCommands
{
    public static Command OpenPr()
    {
        var pr = Verb.Batched<PromotionRecord>("pr",
            "Open (or update) the pull request that sets prod/<name>/config.yaml to the digest now in test; "
            + "one push of every promotion branch for the run.",
            async (ctx, models, ct) =>
                [.. (await new Promotion(ctx.Config, ctx.State, ctx.Output).OpenManyForTestedAsync(models, ct))
                    .Select(o => (o.Record, o.Error))],
            (_, record) => Result("pr", record));
        pr.Subcommands.Add(Merge());
        return pr;
    }

    /// <summary><c>promote --model NAME --version N</c>: the same pull request for a chosen, tested version.</summary>
    public static Command Promote()
    {
        var model = new Option<string>("--model", "-m") { Description = "The model to promote.", Required = true };
        var version = new Option<int>("--version") { Description = "The zoo version to promote (it must have passed validation and run in test).", Required = true };
        var allowYanked = ZooCommands.AllowYanked();
        var command = new Command("promote", "Open the promotion pull request for a chosen version that passed validation and was deployed to test.") { model, version, allowYanked };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var n = parse.GetValue(version);
            if (n < 1) throw new InvalidInputException($"--version {n}: zoo versions start at 1. Fix: pass a version listed in the zoo (models/<name>/index.json).");
            var definition = Models.ModelCatalog.Load(ctx.Root, [parse.GetValue(model)!]).Single();
            return await Verb.RunRowsAsync(ctx, "promote", [definition], d => d.Name, d => $"{d.Name} v{n}",
                async d => Result("promote", await new Promotion(ctx.Config, ctx.State, ctx.Output) { AllowYanked = parse.GetValue(allowYanked) }.PromoteAsync(d, n, ct)));
        }, ct));
        return command;
    }

    private static StepResult Result(string step, PromotionRecord record) => new()
    {
        Model = record.Model,
        Step = step,
        Result = record.Action is "nothing-to-do" or "unchanged" or "pin-unchanged" or "frozen" ? "skipped" : "ok",
        Detail = record.Action switch
        {
            "frozen" => $"prod is frozen by {record.Freeze!.FrozenBy} until {record.Freeze.Until ?? "unfrozen"}: {record.Freeze.Reason}",
            "nothing-to-do" => $"prod already pins v{record.Version}; no branch, no pull request",
            "pin-unchanged" => "test pin unchanged in this run; branch and pull request left alone",
            _ => $"{record.Action} {record.Branch}: {record.Url}"
                + (record.Superseded.Count > 0 ? $"; closed {string.Join(", ", record.Superseded.Select(s => s.Branch))}" : ""),
        },
        Data = record,
    };
}
