using System.CommandLine;
using ModelPipeline.Cli.Output;
using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Fetching;
using ModelPipeline.Training;
using ModelPipeline.Validation;

namespace ModelPipeline.Cli.Commands;

/// <summary>The verbs of the first steps: check, fetch, train, validate.</summary>
internal static class StepCommands
{
    public static Command Check()
    {
        var option = CommonOptions.Model();
        var command = new Command("check", "Validate model definitions (model.json) and every pipeline.json rule later steps apply; writes nothing.") { option };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var models = ctx.Models(parse, option);
            var environment = System.Environment.GetEnvironmentVariables();
            SettingsCheck.Require(ctx.Config, models, environment);
            foreach (var warning in SettingsCheck.Warnings(ctx.Config, environment)) ctx.Output.Warning(null, warning);
            return await Verb.RunRowsAsync(ctx, "check", models, m => m.Name, m => m.Name, model =>
            {
                TrainerEnvironment.RequireAllowedPassthrough(model, ctx.Config.SecretEnvironmentVariables());
                TrainingBackends.Check(model, ctx.Config);
                return Task.FromResult(new StepResult { Model = model.Name, Step = "check", Result = "ok", Detail = "definition valid" });
            }, summarized: Verb.OkOrSkipped);
        }, ct));
        return command;
    }

    public static Command Fetch() => Verb.PerModel("fetch", "Fetch every data source of the selected models, verified by sha256 or commit, into the cache.",
        async (ctx, model, ct) =>
        {
            var (record, unchanged) = await new DataFetcher(ctx.Config, ctx.State, ctx.Output).FetchAsync(model, ct);
            var downloaded = record.Sources.Count(s => !s.FromCache);
            return new StepResult
            {
                Model = model.Name,
                Step = "fetch",
                Result = unchanged ? "skipped" : "ok",
                Detail = unchanged
                    ? $"{record.Sources.Count} source(s) unchanged since the last Fetch"
                    : $"{record.Sources.Count} source(s), {downloaded} downloaded",
                Data = record,
            };
        });

    public static Command Train()
    {
        var retrain = new Option<bool>("--retrain")
        {
            Description = "Train even a key the zoo already holds, and report which files differ from the published version (a reproducibility check; it never makes a second version).",
        };
        var command = Verb.PerModel("train", "Train the selected models (a key the zoo already holds is reused; a key this workspace already trained is skipped).",
            async (ctx, model, ct) =>
            {
                TrainerEnvironment.RequireAllowedPassthrough(model, ctx.Config.SecretEnvironmentVariables());
                TrainingBackends.Check(model, ctx.Config);
                var backends = TrainingBackends.Create(ctx.Config, ctx.State, ctx.Output, ctx.Config.SecretEnvironmentVariables());
                ModelPipeline.Zoo.ZooRepository? zoo = null;
                try
                {
                    zoo = new ModelPipeline.Zoo.ZooRepository(ctx.Config, ctx.Output);
                }
                catch (InvalidInputException ex)
                {
                    // Training does not need the zoo; PushMirrors will fail on the same settings.
                    ctx.Output.Warning(model.Name, $"training keys cannot be looked up in the zoo ({ex.Message.Split('\n')[0]}); going by this workspace's run state");
                }
                var step = new TrainingStep(ctx.State, ctx.Output, backends)
                {
                    CacheDir = ctx.Config.CacheDir,
                    Zoo = zoo,
                    Retrain = ctx.Parse.GetValue(retrain),
                };
                var (record, skipped) = await step.TrainAsync(model, ct);
                var reproducibility = record.Reproducibility;
                return new StepResult
                {
                    Model = model.Name,
                    Step = "train",
                    Result = reproducibility is { Reproducible: false } ? "warning" : skipped ? "skipped" : "ok",
                    Detail = reproducibility is not null
                        ? $"key {record.TrainingKey[..12]} retrained: " + (reproducibility.Reproducible
                            ? $"identical to v{reproducibility.Version}"
                            : $"{reproducibility.Differences.Count} file(s) differ from v{reproducibility.Version}")
                        : record.ReusedVersion is { } v
                            ? $"reused v{v} (key {record.TrainingKey[..12]}), nothing trained"
                            : $"key {record.TrainingKey[..12]}, run {record.RunId}, {record.Files.Count} file(s){(record.RunUrl is null ? "" : $", {record.RunUrl}")}",
                    Data = record,
                };
            });
        command.Options.Add(retrain);
        return command;
    }

    public static Command Validate() => Verb.PerModel("validate", "Run the validation gate on the current training output of the selected models.",
        async (ctx, model, ct) =>
        {
            var report = await new Validator(ctx.State) { Config = ctx.Config, Reporter = ctx.Output }.ValidateAsync(model, ct);
            foreach (var check in report.Checks)
                ctx.Output.Info(model.Name, $"{(check.Passed ? "pass" : "FAIL")} {check.Name}: {check.Detail}");
            if (!report.Passed)
                throw new GateFailedException(
                    $"model '{model.Name}' failed the validation gate; later steps will refuse it. Report: {Path.Combine(ctx.State.RunDir(model.Name, report.TrainingKey), "validate.json")}",
                    report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}").ToList()) { Model = model.Name };
            return new StepResult
            {
                Model = model.Name,
                Step = "validate",
                Result = PublishedGate.IsRecordedVerdict(report) ? "skipped" : "ok",
                Detail = $"{report.Checks.Count} checks passed" + (report.From is null ? "" : $" ({report.From})"),
                Data = report,
            };
        });
}
