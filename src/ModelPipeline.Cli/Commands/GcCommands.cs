using System.CommandLine;
using ModelPipeline.Cli.Output;
using ModelPipeline.Errors;
using ModelPipeline.Retention;

namespace ModelPipeline.Cli.Commands;

/// <summary><c>modelpipe gc</c>: retention and garbage collection of unreferenced versions' images (one row per
/// model).</summary>
internal static class GcCommands
{
    public static Command Gc()
    {
        var keepLast = new Option<int>("--keep-last")
        {
            Description = "Keep the newest N versions of each model (default 10).", DefaultValueFactory = _ => 10,
        };
        var olderThan = new Option<int>("--older-than")
        {
            Description = "Collect only versions published more than DAYS days ago (default 30).",
            DefaultValueFactory = _ => 30,
        };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "Only print what would be deleted (the default in CI, where CI=true, unless --yes).",
        };
        var yes = new Option<bool>("--yes") { Description = "Delete in CI too (CI=true makes a dry run the default)." };
        var layout = new Option<string?>("--layout")
        {
            Description = "The OCI layout of versions packaged into one (default: modelcar.layoutDir).",
        };
        var command = new Command("gc", "Delete the images, tags, signatures, SBOMs and provenance of versions that "
            + "no alias, "
            + "GitOps pin (main or an open promotion) or freeze references, beyond --keep-last and --older-than. "
            + "The zoo keeps every version's record.") { keepLast, olderThan, dryRun, yes, layout };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var options = new GcOptions
            {
                KeepLast = Check(parse.GetValue(keepLast), "--keep-last"),
                OlderThanDays = Check(parse.GetValue(olderThan), "--older-than"),
                LayoutDir = parse.GetValue(layout),
            };
            var inCi = string.Equals(Environment.GetEnvironmentVariable("CI"), "true",
                StringComparison.OrdinalIgnoreCase);
            var dry = parse.GetValue(dryRun) || (inCi && !parse.GetValue(yes));
            if (dry && !parse.GetValue(dryRun))
                ctx.Output.Info(null, "CI=true: a dry run (nothing is deleted); pass --yes to delete");
            var collector = new GarbageCollector(ctx.Config, ctx.Output);
            using var plan = await collector.PlanAsync(options, ct);
            return await Verb.RunRowsAsync(ctx, "gc", plan.ModelNames, m => m, m => m, async m =>
            {
                var result = await collector.ApplyAsync(plan, m, dry, ct);
                foreach (var v in result.Versions) ctx.Output.Info(m, Line(v, dry));
                return Row(result);
            });
        }, ct));
        return command;
    }

    private static int Check(int value, string option) => value >= 0 ? value
        : throw new InvalidInputException($"{option} {value}: give 0 or more. Fix: e.g. {option} 10.");

    private static string Line(GcVersion v, bool dry) => v.Action switch
    {
        "collect" => $"v{v.Version} {v.Digest[..19]}: {(dry ? "would delete" : "deleted")} "
            + $"{v.Manifests.Count} manifest(s) "
            + $"({(v.Tags.Count == 0 ? "no tags" : string.Join(", ", v.Tags))}), {v.Bytes} bytes, in {v.Store}",
        "collected-earlier" => $"v{v.Version} {v.Digest[..19]}: image collected earlier",
        _ => $"v{v.Version} {v.Digest[..19]}: kept ({string.Join("; ", v.Reasons)})",
    };

    private static StepResult Row(GcModelResult r)
    {
        var collected = r.Collected.Select(v => $"v{v.Version}").ToList();
        var verb = r.DryRun ? "would delete" : "deleted";
        var detail = collected.Count == 0
            ? $"nothing to collect ({r.Versions.Count(v => v.Action == "kept")} version(s) kept)"
            : $"{verb} the images of {string.Join(", ", collected)}: {r.Bytes} bytes"
                + (r.RegistryGcPending.Count > 0 ? " (freed by the registry's garbage collection)" : " freed");
        return new StepResult
        {
            Model = r.Model,
            Step = "gc",
            Result = collected.Count == 0 || r.DryRun ? "skipped" : "ok",
            Detail = detail,
            Data = r,
        };
    }
}
