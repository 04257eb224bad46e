using System.CommandLine;
using ModelPipeline.Errors;
using ModelPipeline.History;

namespace ModelPipeline.Cli.Commands;

/// <summary><c>history NAME [--env test|prod]</c>: every version that ran in each environment.</summary>
internal static class HistoryCommands
{
    public static Command History()
    {
        var name = new Argument<string>("NAME") { Description = "The model." };
        var env = new Option<string?>("--env") { Description = "Only this environment: test or prod (default: both)." };
        env.AcceptOnlyFromAmong(PromotionHistory.Environments);
        var command = new Command("history",
            "Show every version that ran in test and prod: from when to when, who proposed and merged it, rollbacks.")
        {
            name, env,
        };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var model = parse.GetValue(name)!;
            var only = parse.GetValue(env);
            var all = await PromotionHistory.ReadAsync(ctx.Config, ctx.Output, ctx.State, ct);
            var entries = all.Where(e => e.Model == model && (only is null || e.Environment == only)).ToList();
            if (all.All(e => e.Model != model) && !File.Exists(Path.Combine(ctx.Root, "models", model, "model.json")))
                throw new InvalidInputException($"history {model}: there is no models/{model}/model.json and the "
                    + $"GitOps repository never deployed '{model}' (it deployed: {Names(all)}). "
                    + "Fix: give a model name.")
                {
                    Model = model,
                };
            if (ctx.Json)
            {
                var rows = entries.Select(e => Verb.Item(model, "history", $"{e.Environment}: {Line(e)}", e)).ToArray();
                Verb.WriteJson(ctx, "history", rows);
                return 0;
            }
            foreach (var group in entries.GroupBy(e => e.Environment))
            {
                Console.WriteLine($"{model} in {group.Key}:");
                foreach (var e in group) Console.WriteLine("  " + Line(e));
            }
            if (entries.Count == 0) Console.WriteLine($"{model} was never deployed to {only ?? "test or prod"}");
            return 0;
        }, ct));
        return command;
    }

    private static string Names(IReadOnlyList<HistoryEntry> all) =>
        all.Count == 0 ? "no models" : string.Join(", ", all.Select(e => e.Model).Distinct().Take(20));

    /// <summary>"v2  2026-01-02 10:00:00Z .. now  proposed by A, merged by B (#12 url)  rollback from v3".</summary>
    public static string Line(HistoryEntry e)
    {
        var until = e.Until is { } u ? $"{u:u}" : "now";
        var merged = e.MergedBy is null ? "" : $", merged by {e.MergedBy}";
        var refs = new[] { e.Request, e.RequestUrl }.OfType<string>().ToList();
        var request = refs.Count == 0 ? "" : $" ({string.Join(" ", refs)})";
        var rollback = e.Rollback ? $"  ROLLBACK from v{e.Replaced}" : "";
        return $"v{e.Version}\t{e.From:u} .. {until}\tproposed by {e.ProposedBy}{merged}{request}\t"
            + $"{e.Commit[..12]}{rollback}";
    }
}
