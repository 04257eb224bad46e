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
            });
        }, ct));
        return command;
    }

    public static Command Fetch() => Verb.PerModel("fetch", "Fetch every data source of the selected models, verified by sha256 or commit, into the cache.",
        async (ctx, model, ct) =>
        {
            var record = await new DataFetcher(ctx.Config, ctx.State, ctx.Output).FetchAsync(model, ct);
            var downloaded = record.Sources.Count(s => !s.FromCache);
            return new StepResult
            {
                Model = model.Name,
                Step = "fetch",
                Result = "ok",
                Detail = $"{record.Sources.Count} source(s), {downloaded} downloaded",
                Data = record,
            };
        });

    public static Command Train() => Verb.PerModel("train", "Train the selected models (skipped when the training key is unchanged).",
        async (ctx, model, ct) =>
        {
            TrainerEnvironment.RequireAllowedPassthrough(model, ctx.Config.SecretEnvironmentVariables());
            TrainingBackends.Check(model, ctx.Config);
            var backends = TrainingBackends.Create(ctx.Config, ctx.State, ctx.Output, ctx.Config.SecretEnvironmentVariables());
            var (record, skipped) = await new TrainingStep(ctx.State, ctx.Output, backends).TrainAsync(model, ct);
            return new StepResult
            {
                Model = model.Name,
                Step = "train",
                Result = skipped ? "skipped" : "ok",
                Detail = $"key {record.TrainingKey[..12]}, run {record.RunId}, {record.Files.Count} file(s){(record.RunUrl is null ? "" : $", {record.RunUrl}")}",
                Data = record,
            };
        });

    public static Command Validate() => Verb.PerModel("validate", "Run the validation gate on the current training output of the selected models.",
        async (ctx, model, ct) =>
        {
            var report = await new Validator(ctx.State).ValidateAsync(model, ct);
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
                Result = "ok",
                Detail = $"{report.Checks.Count} checks passed",
                Data = report,
            };
        });
}
