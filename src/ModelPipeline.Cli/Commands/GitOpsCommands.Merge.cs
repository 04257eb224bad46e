using System.CommandLine;
using ModelPipeline.Cli.Output;
using ModelPipeline.Errors;
using ModelPipeline.GitOps;

namespace ModelPipeline.Cli.Commands;

internal static partial class GitOpsCommands
{
    /// <summary><c>pr merge NAME [--version N]</c>: the local forge's merge button, followed by SyncAliases.</summary>
    private static Command Merge()
    {
        var name = new Argument<string?>("NAME") { Description = "The model whose open promotion to merge.", Arity = ArgumentArity.ZeroOrOne };
        var model = new Option<string[]>("--model", "-m") { Description = "The model (instead of NAME; what ./build.sh MergePr passes)." };
        var version = new Option<int?>("--version") { Description = "The promoted version, when the model has more than one open promotion." };
        var command = new Command("merge", "Merge a model's open promotion in the local GitOps repository (forge.kind local), then sync the zoo's aliases.")
        {
            name, model, version,
        };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var names = (parse.GetValue(model) ?? []).Concat(parse.GetValue(name) is { } n ? [n] : []).Distinct().ToList();
            if (names.Count != 1)
                throw new InvalidInputException($"pr merge needs exactly one model ({(names.Count == 0 ? "none" : string.Join(", ", names))} given). Fix: modelpipe pr merge NAME.");
            return await Verb.RunRowsAsync(ctx, "pr merge", names, m => m, m => m, async m =>
            {
                var record = await new PromotionMerge(ctx.Config, ctx.State, ctx.Output).MergeAsync(m, parse.GetValue(version), ct);
                var prod = record.Aliases.FirstOrDefault(a => a.Alias == Promotion.Environment);
                return new StepResult
                {
                    Model = m,
                    Step = "pr merge",
                    Result = "ok",
                    Detail = $"merged {record.Branch} ({record.Commit[..12]}); zoo prod alias " + (prod is null ? "not set" : $"v{prod.Version}"),
                    Data = record,
                };
            });
        }, ct));
        return command;
    }
}
