using System.CommandLine;
using ModelPipeline.Cli.Output;
using ModelPipeline.Errors;
using ModelPipeline.Zoo;

namespace ModelPipeline.Cli.Commands;

/// <summary>The zoo verbs: push (PushMirrors), and the consumer side: models list|show|resolve|alias|verify.</summary>
internal static partial class ZooCommands
{
    private static readonly Option<string?> ZooOption = new("--zoo")
    {
        Description = "Read this zoo (a git URL or a path) instead of the configured primary; its token comes from $.zoo.tokenEnv.",
        Recursive = true,
    };

    public static Command Push() => Verb.Batched<ZooRecord>("push",
        "Publish each validated, packaged model as models/<name>/vN in the zoo (one commit for the run); " +
        "push the primary once, then the mirrors.",
        async (ctx, models, ct) =>
            [.. (await new ZooPushStep(ctx.Config, ctx.State, ctx.Output).RunManyAsync(models, ct))
                .Select(o => (o.Record, o.Error))],
        (model, record) =>
        {
            var failed = record.Mirrors.Where(m => !m.Ok).Select(m => m.Name).ToList();
            var differ = record.Mirrors.Where(m => m.Ok && !m.Matches)
                .Select(m => $"{m.Name} at {m.Commit?[..12] ?? "?"}, primary at {m.PrimaryCommit?[..12] ?? "?"}").ToList();
            var mirrors = (failed.Count > 0 ? $"; mirror(s) failed: {string.Join(", ", failed)}" : "")
                + (differ.Count > 0 ? $"; mirror(s) differ: {string.Join("; ", differ)}" : "")
                + (failed.Count + differ.Count == 0 ? $"; {record.Mirrors.Count} mirror(s) ok" : "");
            return new StepResult
            {
                Model = model.Name,
                Step = "push",
                Result = failed.Count + differ.Count > 0 ? "warning" : record.AlreadyPublished ? "skipped" : "ok",
                Detail = $"v{record.Version} {record.Commit[..12]}{(record.AlreadyPublished ? " (already published)" : "")}" + mirrors,
                Data = record,
            };
        });

    public static Command Models()
    {
        var models = new Command("models", "Consume the model zoo: list, show, resolve NAME@REF, set aliases, verify the index.") { ZooOption };
        models.Subcommands.Add(List());
        models.Subcommands.Add(Show());
        models.Subcommands.Add(Resolve());
        models.Subcommands.Add(Alias());
        models.Subcommands.Add(Verify());
        AddLifecycle(models);
        return models;
    }

    private static Command List()
    {
        var command = new Command("list", "List every model in the zoo with its latest version and aliases.");
        command.SetAction((parse, ct) => Read(parse, (ctx, zoo) =>
        {
            var index = zoo.List();
            var rows = index.Models.Select(m => Verb.Item(m.Model, "models list",
                $"v{m.Latest?.ToString() ?? "-"}\t{m.Versions} version(s)\t{Aliases(m.Aliases)}\t{m.Description}", m)).ToArray();
            if (ctx.Json) return rows;
            if (index.Models.Count == 0) Console.WriteLine($"the zoo {zoo.Source} is empty");
            foreach (var row in rows) Console.WriteLine($"{row.Model}\t{row.Detail}");
            return rows;
        }, ct));
        return command;
    }

    private static Command Show()
    {
        var name = new Argument<string>("NAME[@REF]") { Description = "A model, optionally with vN, an alias or sha256:<digest> (default: every version)." };
        var command = new Command("show", "Show a model's versions and aliases, or one version's manifest.") { name };
        command.SetAction((parse, ct) => ReadAsync(parse, async (ctx, zoo) =>
        {
            var (model, reference) = ZooSnapshot.Parse(parse.GetValue(name)!);
            if (reference is not null)
            {
                var resolved = zoo.Resolve(model, reference);
                var card = Path.Combine(ZooLayout.VersionDir(zoo.Root, model, resolved.Version.Version), "README.md");
                if (!ctx.Json) Console.Write(File.ReadAllText(card));
                return [Resolved("models show", resolved)];
            }
            var view = ModelView.Of(zoo.Show(model), await zoo.AliasHistoryAsync(model, "test", ct),
                ModelPipeline.Zoo.Lifecycle.ZooLifecycle.Read(zoo.Root, model),
                ModelPipeline.Zoo.Lifecycle.ZooLifecycle.ReadTags(zoo.Root, model),
                CollectedImages.Read(zoo.Root, model).Keys.ToHashSet());
            var rows = view.Versions.Select(v => Verb.Item(model, "models show",
                $"v{v.Version}\t{v.Label}\t{v.CreatedAt:u}\t{v.Digest}\t{string.Join(",", v.Aliases)}"
                + (v.State == ModelPipeline.Zoo.Lifecycle.VersionState.Active ? "" : $"\t{v.State.ToString().ToLowerInvariant()}: {v.Reason}")
                + (v.Tags.Count == 0 ? "" : "\t" + string.Join(" ", v.Tags.Select(t => $"{t.Key}={t.Value}"))), v)).ToArray();
            if (ctx.Json) return rows;
            Console.WriteLine($"{model}: {view.Versions.Count} version(s); aliases: {Aliases(view.Aliases)}");
            foreach (var row in rows) Console.WriteLine(row.Detail);
            return rows;
        }, ct));
        return command;
    }

    private static Command Resolve()
    {
        var name = new Argument<string>("NAME@REF") { Description = "A model with vN, an alias or sha256:<digest> (default: prod)." };
        var allowYanked = AllowYanked();
        var command = new Command("resolve", "Resolve NAME@REF to one version; prints 'vN repository@sha256:… oci://…'.") { name, allowYanked };
        command.SetAction((parse, ct) => Read(parse, (ctx, zoo) =>
        {
            var (model, reference) = ZooSnapshot.Parse(parse.GetValue(name)!);
            var resolved = ResolveNoted(zoo, model, reference, parse.GetValue(allowYanked));
            var row = Resolved("models resolve", resolved);
            if (!ctx.Json) Console.WriteLine(row.Detail);
            return [row];
        }, ct));
        return command;
    }

    private static Command Verify()
    {
        var command = new Command("verify", "Check that every version matches its ledger entry, the ledgers' hash chains, that the indexes agree with the version folders and aliases, and (for the configured zoo) that image tags and GitOps pins agree with it.");
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var other = parse.GetValue(ZooOption);
            using var zoo = await new ZooRepository(ctx.Config, ctx.Output, other).ReadAsync(ct);
            var problems = ZooIndexer.Verify(zoo.Root).ToList();
            // Every version against its ledger entry and every ledger's chain (the full check; clients check what changed).
            foreach (var model in ZooLayout.Models(zoo.Root)) problems.AddRange(ZooLedger.VerifyModel(zoo.Root, model));
            // Tags and pins belong to this pipeline's image store and GitOps repository: checked for its own zoo only.
            if (problems.Count == 0 && other is null) problems.AddRange(await new ZooAudit(ctx.Config, ctx.Output).CheckAsync(zoo.Root, ct));
            // Protected aliases (policy.json) against what GitOps deploys, naming the commit that moved each.
            if (other is null) problems.AddRange(await new ModelPipeline.Zoo.Lifecycle.ProtectedAliasAudit(ctx.Config, ctx.Output).CheckAsync(zoo, ct));
            if (problems.Count > 0)
                throw new OperationFailedException($"the zoo {zoo.Source} at commit {zoo.Commit ?? "(empty)"} is inconsistent:{Environment.NewLine}  - {string.Join(Environment.NewLine + "  - ", problems)}" +
                    $"{Environment.NewLine}Fix: a published version never changes: revert the commits that changed these files on the zoo's primary " +
                    "('git log -- PATH' names them).");
            var detail = $"the zoo {zoo.Source} is consistent at {zoo.Commit?[..12] ?? "(empty)"}"
                + (other is null ? "; image tags and GitOps pins agree with it" : "");
            if (ctx.Json) Verb.WriteJson(ctx, "models verify", Verb.Item("", "models verify", detail, new { consistent = true, commit = zoo.Commit }));
            else Console.WriteLine(detail);
            return 0;
        }, ct));
        return command;
    }

    private static Command Alias()
    {
        var name = new Argument<string>("NAME") { Description = "The model." };
        var alias = new Argument<string>("ALIAS") { Description = "The alias (latest, test, prod, or your own)." };
        var version = new Argument<string>("VERSION") { Description = "The version it points to: vN." };
        var command = new Command("alias", "Point an alias of a model at a version (a recorded commit, pushed to the primary and mirrors).") { name, alias, version };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var v = ZooLayout.ParseVersion(parse.GetValue(version)!)
                ?? throw new InvalidInputException($"'{parse.GetValue(version)}' is not a version. Fix: write vN, e.g. v2.");
            var zoo = new ZooRepository(ctx.Config, ctx.Output, parse.GetValue(ZooOption));
            var result = await zoo.SetAliasAsync(parse.GetValue(name)!, parse.GetValue(alias)!, v, ct);
            var detail = $"{result.Model}@{result.Alias} → v{result.Version}"
                + (result.Changed ? $" (commit {result.Commit![..12]})" : " (unchanged)");
            if (ctx.Json) Verb.WriteJson(ctx, "models alias", Verb.Item(result.Model, "models alias", detail, result, result.Changed ? "ok" : "skipped"));
            else Console.WriteLine(detail);
            return 0;
        }, ct));
        return command;
    }

    public static Command Pull()
    {
        var name = new Argument<string>("NAME@REF") { Description = "A model with vN, an alias or sha256:<digest> (default: prod)." };
        var to = new Option<string>("--to") { Description = "The folder to extract the model files into (new or empty).", Required = true };
        var layout = new Option<string?>("--layout") { Description = "Read the image from this OCI image layout (default: the registry it was pushed to, or $.modelcar.layoutDir)." };
        var format = new Option<string>("--format") { Description = "modelcar (the KServe image, default) or modelpack (the CNCF ModelPack artifact of the same files).", DefaultValueFactory = _ => "modelcar" };
        format.AcceptOnlyFromAmong("modelcar", "modelpack");
        var allowYanked = AllowYanked();
        var command = new Command("pull", "Fetch a published model's image by digest (registry or OCI layout), verify every blob, and extract its /models files into a folder.") { name, to, layout, format, ZooOption, allowYanked };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var (model, reference) = ZooSnapshot.Parse(parse.GetValue(name)!);
            ResolvedVersion resolved;
            using (var zoo = await new ZooRepository(ctx.Config, ctx.Output, parse.GetValue(ZooOption)).ReadAsync(ct))
            {
                resolved = ResolveNoted(zoo, model, reference, parse.GetValue(allowYanked));
                if (CollectedImages.Read(zoo.Root, model).TryGetValue(resolved.Version.Version, out var gone))
                    throw new OperationFailedException($"{model} v{gone.Version}: its image {gone.Digest} was deleted by "
                        + $"modelpipe gc at {gone.CollectedAt:u}; the zoo keeps the version's record. Fix: pull a version "
                        + $"that is kept (modelpipe models show {model}), or copy the image back under its digest from a "
                        + "backup (docs/operations.md, A lost image).") { Model = model };
            }
            var layoutDir = parse.GetValue(layout) is { } given ? Path.GetFullPath(given) : null;
            var result = await new ModelPipeline.Zoo.Pull.ModelPuller(ctx.Config, ctx.Output).PullAsync(resolved, layoutDir, parse.GetValue(to)!, ct, parse.GetValue(format) == "modelpack");
            var detail = $"{result.Model} v{result.Version} ({result.Digest}) → {result.Directory}: {result.Files.Count} file(s)";
            if (ctx.Json) Verb.WriteJson(ctx, "pull", Verb.Item(result.Model, "pull", detail, result));
            else Console.WriteLine(detail);
            return 0;
        }, ct));
        return command;
    }

    /// <summary>
    /// Resolves NAME[@REF]; for NAME alone, says on stderr which alias it chose (stdout stays one line for scripts).
    /// A yanked version is refused unless asked for exactly with <paramref name="allowYanked"/> (null: not checked,
    /// only noted); a deprecated or allowed yanked one is a warning on stderr.
    /// </summary>
    public static ResolvedVersion ResolveNoted(ZooSnapshot zoo, string model, string? reference, bool? allowYanked = false)
    {
        var resolved = zoo.Resolve(model, reference);
        if (reference is null)
            Console.Error.WriteLine($"{model}: no reference given; resolved {model}@{resolved.Reference} (v{resolved.Version.Version}). "
                + $"NAME alone means NAME@{ZooSnapshot.DefaultReference}; write {model}@latest for the newest version, tested or not.");
        if (allowYanked is { } allow)
            ModelPipeline.Zoo.Lifecycle.ZooLifecycle.Check(zoo.Root, model, resolved.Version.Version, reference, allow);
        if (resolved.Status is { } status)
            Console.Error.WriteLine($"warning: {model} v{resolved.Version.Version} is {ModelPipeline.Zoo.Lifecycle.ZooLifecycle.Describe(status)}"
                + (status.IsYanked && allowYanked == true ? "; used because --allow-yanked was given" : ""));
        return resolved;
    }

    /// <summary><c>--allow-yanked</c>: use a yanked version named exactly (NAME@vN or a digest).</summary>
    public static Option<bool> AllowYanked() => new("--allow-yanked")
    {
        Description = "Use a yanked or archived version anyway, when named exactly (NAME@vN or NAME@sha256:…).",
    };

    /// <summary>One resolved version as a result item: "vN repository@sha256:… oci://…".</summary>
    private static StepResult Resolved(string step, ResolvedVersion resolved) => Verb.Item(resolved.Model, step,
        $"v{resolved.Version.Version}\t{resolved.Version.Reference}\t{resolved.Version.StorageUri}", resolved);

    private static Task<int> Read(ParseResult parse, Func<CommandContext, ZooSnapshot, StepResult[]> render, CancellationToken ct) =>
        ReadAsync(parse, (ctx, zoo) => Task.FromResult(render(ctx, zoo)), ct);

    /// <summary>Reads the zoo, renders it; with --json, prints the rendered items in the envelope.</summary>
    private static Task<int> ReadAsync(ParseResult parse, Func<CommandContext, ZooSnapshot, Task<StepResult[]>> render,
        CancellationToken ct) => Verb.Guard(async () =>
    {
        var ctx = CommandContext.Create(parse);
        using var zoo = await new ZooRepository(ctx.Config, ctx.Output, parse.GetValue(ZooOption)).ReadAsync(ct);
        var rows = await render(ctx, zoo);
        Verb.WriteJson(ctx, JsonEnvelope.CommandName(parse), rows);
        return 0;
    }, ct);

    private static string Aliases(IReadOnlyDictionary<string, int> aliases) =>
        aliases.Count == 0 ? "-" : string.Join(", ", aliases.Select(a => $"{a.Key}=v{a.Value}"));
}
