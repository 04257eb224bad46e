using System.CommandLine;
using ModelPipeline.Cli.Output;
using ModelPipeline.Errors;
using ModelPipeline.Zoo;
using ModelPipeline.Zoo.Lifecycle;

namespace ModelPipeline.Cli.Commands;

/// <summary><c>models tag|deprecate|yank|archive</c>: the mutable metadata beside the immutable versions.</summary>
internal static partial class ZooCommands
{
    private static void AddLifecycle(Command models)
    {
        models.Subcommands.Add(Tag());
        models.Subcommands.Add(Search());
        models.Subcommands.Add(State("deprecate", VersionState.Deprecated,
            "Mark a version deprecated: it stays usable, and resolve, pull, sync and Promote warn with the reason."));
        models.Subcommands.Add(State("yank", VersionState.Yanked,
            "Yank a version: resolve, pull, sync and Promote refuse it unless asked for exactly (vN) with "
                + "--allow-yanked."));
        models.Subcommands.Add(State("archive", VersionState.Archived,
            "Archive a version: yanked, and also hidden from the report's default view."));
    }

    private static Command Tag()
    {
        var name = new Argument<string>("NAME@REF") { Description = "The version: NAME@vN, an alias or "
            + "sha256:<digest> (default: prod)." };
        var tags = new Argument<string[]>("KEY=VALUE") { Description = "Tags to add or replace, e.g. "
            + "team=vision.", Arity = ArgumentArity.ZeroOrMore };
        var remove = new Option<string[]>("--remove") { Description = "A tag key to remove (repeatable)." };
        var command = new Command("tag", "Add, replace or remove key=value tags of a version (a recorded commit; "
            + "the version itself never changes).")
        {
            name, tags, remove,
        };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var set = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in (parse.GetValue(tags) ?? []).Select(TagSyntax.Parse))
                if (!set.TryAdd(key, value))
                    throw new InvalidInputException($"tag '{key}' is given twice. Fix: give each key once.");
            var removed = (parse.GetValue(remove) ?? []).Distinct(StringComparer.Ordinal).ToList();
            foreach (var key in removed) TagSyntax.CheckKey(key);
            if (set.Count + removed.Count == 0)
                throw new InvalidInputException("no tag given. Fix: write key=value (e.g. team=vision), or "
                    + "--remove KEY.");
            if (removed.FirstOrDefault(set.ContainsKey) is { } both)
                throw new InvalidInputException($"tag '{both}' is both set and removed. Fix: do one or the other.");
            var repository = new ZooRepository(ctx.Config, ctx.Output, parse.GetValue(ZooOption));
            var (model, version) = await VersionOfAsync(repository, parse.GetValue(name)!, exact: false, ct);
            var result = await repository.SetTagsAsync(model, version, set, removed, ct);
            var shown = result.Tags.Count == 0 ? "no tags" : string.Join(" "
                + "", result.Tags.Select(t => $"{t.Key}={t.Value}"));
            return Done(ctx, "models tag", model, result.Changed, $"v{version}: {shown}", result, result.Commit);
        }, ct));
        return command;
    }

    private static Command State(string verb, VersionState state, string description)
    {
        var name = new Argument<string>("NAME@vN") { Description = "The version, named exactly." };
        var reason = new Option<string?>("--reason") { Description = "Why (required; consumers see it)." };
        var undo = new Option<bool>("--undo") { Description = $"Undo a {verb}: the version is active again (the "
            + $"history keeps both)." };
        var command = new Command(verb, description) { name, reason, undo };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var repository = new ZooRepository(ctx.Config, ctx.Output, parse.GetValue(ZooOption));
            var (model, version) = await VersionOfAsync(repository, parse.GetValue(name)!, exact: true, ct);
            var why = parse.GetValue(reason) ?? "";
            if (!parse.GetValue(undo) && string.IsNullOrWhiteSpace(why))
                throw new InvalidInputException($"models {verb} {model}@v{version}: no reason given. Fix: add "
                    + $"--reason TEXT; consumers see it.");
            var result = parse.GetValue(undo)
                ? await repository.SetStatusAsync(model, version, VersionState.Active, why, ct, undoing: state)
                : await repository.SetStatusAsync(model, version, state, why, ct);
            var detail = parse.GetValue(undo) ? $"v{version} is active again (was "
                + $"{result.Previous.ToString().ToLowerInvariant()})"
                : $"v{version} is {state.ToString().ToLowerInvariant()}: {result.Reason}";
            return Done(ctx, $"models {verb}", model, result.Changed, detail, result, result.Commit);
        }, ct));
        return command;
    }

    /// <summary>NAME@REF to a version of the zoo's tip; <paramref name="exact"/> takes only NAME@vN.</summary>
    private static async Task<(string Model, int Version)> VersionOfAsync(ZooRepository repository, string text,
        bool exact, CancellationToken ct)
    {
        var (model, reference) = ZooSnapshot.Parse(text);
        if (exact && (reference is null || ZooLayout.ParseVersion(reference) is null))
            throw new InvalidInputException($"'{text}': name the version exactly. Fix: write {model}@vN, e.g. "
                + $"{model}@v2 "
                + $"('modelpipe models show {model}' lists them).") { Model = model };
        using var zoo = await repository.ReadAsync(ct);
        return (model, zoo.Resolve(model, reference).Version.Version);
    }

    private static int Done(CommandContext ctx, string verb, string model, bool changed, string detail, object data,
        string? commit)
    {
        var row = new StepResult
        {
            Model = model, Step = verb, Result = changed ? "ok" : "skipped", Detail = detail, Data = data,
        };
        if (ctx.Json) Verb.WriteJson(verb, 0, [row]);
        else Console.WriteLine($"{model} {detail}{(changed ? $" (commit {commit![..12]})" : " (unchanged)")}");
        return 0;
    }
}
