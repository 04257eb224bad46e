using System.CommandLine;
using System.Globalization;
using ModelPipeline.Cli.Output;
using ModelPipeline.Zoo.Lifecycle;

namespace ModelPipeline.Cli.Commands;

internal static partial class ZooCommands
{
    private static Command Search()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Only this model." };
        var tag = new Option<string[]>("--tag") { Description = "A tag the version has: key=value (repeatable; "
            + "all must match)." };
        var metric = new Option<string[]>("--metric") { Description = "A recorded metric comparison, e.g. "
            + "'accuracy>=0.95' (repeatable)." };
        var owner = new Option<string?>("--owner") { Description = "An owner containing this text "
            + "(case-insensitive)." };
        var alias = new Option<string?>("--alias") { Description = "An alias that points at the version." };
        var since = new Option<string?>("--since") { Description = "Published since: a date (2026-12-01), a "
            + "time, or Nd (N days ago)." };
        var all = new Option<bool>("--archived") { Description = "Include archived versions (left out by default)." };
        var command = new Command("search", "Find versions by tag, metric, owner, alias and publish date; newest "
            + "first.")
        {
            model, tag, metric, owner, alias, since, all,
        };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var query = new SearchQuery
            {
                Model = parse.GetValue(model),
                Tags = (parse.GetValue(tag) ?? []).Select(TagSyntax.Parse).GroupBy(t => t.Key)
                    .ToDictionary(g => g.Key, g => g.Last().Value),
                Metrics = (parse.GetValue(metric) ?? []).Select(MetricFilter.Parse).ToList(),
                Owner = parse.GetValue(owner),
                Alias = parse.GetValue(alias),
                Since = parse.GetValue(since) is { } s ? ZooSearch.ParseSince(s, DateTimeOffset.UtcNow) : null,
                IncludeArchived = parse.GetValue(all),
            };
            var repository = new Zoo.ZooRepository(ctx.Config, ctx.Output, parse.GetValue(ZooOption));
            using var zoo = await repository.ReadAsync(ct);
            var hits = ZooSearch.Run(zoo.Root, query);
            var rows = hits.Select(h => new StepResult
            {
                Model = h.Model, Step = "models search", Result = "ok", Detail = Describe(h), Data = h,
            }).ToList();
            if (ctx.Json) Verb.WriteJson("models search", 0, rows);
            else if (hits.Count == 0) Console.Error.WriteLine($"no version in the zoo {zoo.Source} matches");
            else foreach (var h in hits) Console.WriteLine($"{h.Model}\tv{h.Version}\t{h.CreatedAt:u}\t{Describe(h)}");
            return 0;
        }, ct));
        return command;
    }

    private static string Describe(SearchHit h) => string.Join("\t", new[]
    {
        h.State == VersionState.Active ? "active" : $"{h.State.ToString().ToLowerInvariant()} ({h.Reason})",
        h.Aliases.Count == 0 ? "-" : string.Join(",", h.Aliases),
        h.Tags.Count == 0 ? "-" : string.Join(" ", h.Tags.Select(t => $"{t.Key}={t.Value}")),
        h.Metrics.Count == 0 ? "-" : string.Join(" "
            + "", h.Metrics.Select(m => $"{m.Key}={m.Value.ToString("0.####", CultureInfo.InvariantCulture)}")),
    });
}
