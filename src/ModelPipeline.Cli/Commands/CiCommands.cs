using System.CommandLine;
using ModelPipeline.Ci;
using ModelPipeline.Errors;

namespace ModelPipeline.Cli.Commands;

/// <summary>
/// <c>ci generate</c> (the CI definitions from the target graph), <c>ci outputs</c> (run state as CI outputs) and
/// <c>ci plan</c> (the models a run has to publish: the fan-out).
/// </summary>
internal static class CiCommands
{
    public static Command Ci()
    {
        var ci = new Command("ci", "CI definitions generated from the target graph, and CI-native outputs.");
        ci.Subcommands.Add(Generate());
        ci.Subcommands.Add(Outputs());
        ci.Subcommands.Add(Plan());
        return ci;
    }

    private static Command Generate()
    {
        var graph = new Option<string>("--graph") { Description = "The target graph Cake wrote (./build.sh GenerateCi writes artifacts/ci/targets.json).", Required = true };
        var check = new Option<bool>("--check") { Description = "Write nothing; fail (exit 1) naming each committed file that differs, with the diff." };
        var command = new Command("generate", "Write the GitHub Actions workflows, GitLab CI files and Tekton resources under pipelines/ from the target graph.") { graph, check };
        command.SetAction((parse, ct) => Verb.Guard(() =>
        {
            var ctx = CommandContext.Create(parse);
            var context = CiContext.Load(ctx.Root, TargetGraph.Load(Path.GetFullPath(parse.GetValue(graph)!)));
            var files = CiGenerator.Generate(context);
            if (parse.GetValue(check))
            {
                var stale = CiGenerator.Check(ctx.Root, files);
                if (stale.Count > 0) throw CiGenerator.StaleError(stale);
                var current = $"the {files.Count} CI definitions under pipelines/ are what the target graph generates";
                ctx.Output.Info(null, current);
                Verb.WriteJson(ctx, "ci generate", Verb.Item("", "ci generate", current, new { files = files.Count, changes = Array.Empty<string>() }, "skipped"));
                return Task.FromResult(0);
            }
            var done = CiGenerator.Write(ctx.Root, files);
            foreach (var line in done) ctx.Output.Info(null, line);
            var summary = done.Count == 0 ? $"the {files.Count} CI definitions were already current" : $"{done.Count} change(s); commit them";
            ctx.Output.Info(null, summary);
            Verb.WriteJson(ctx, "ci generate", Verb.Item("", "ci generate", summary, new { files = files.Count, changes = done },
                done.Count == 0 ? "skipped" : "ok"));
            return Task.FromResult(0);
        }, ct));
        return command;
    }

    private static Command Outputs()
    {
        var format = new Option<string>("--format") { Description = "github (append to $GITHUB_OUTPUT), dotenv (a GitLab dotenv report) or tekton (one file per result in --to).", Required = true };
        format.AcceptOnlyFromAmong("github", "dotenv", "tekton");
        var to = new Option<string?>("--to") { Description = "tekton: the results folder (dirname of $(results.NAME.path))." };
        var maxBytes = new Option<int>("--max-bytes") { Description = "Cap on each value (whole entries kept, the rest counted).", DefaultValueFactory = _ => 1000 };
        var model = CommonOptions.Model();
        var command = new Command("outputs", "Print what the run state says the steps produced (image-digest, zoo-version, pr-url) in a CI's output format.") { format, to, maxBytes, model };
        command.SetAction((parse, ct) => Verb.Guard(() =>
        {
            var ctx = CommandContext.Create(parse);
            // The models that have run state (or the ones named); no model.json is read, so this also works for a bare workspace.
            var named = parse.GetValue(model) ?? [];
            var models = named.Length > 0 ? named
                : Directory.Exists(ctx.State.Root) ? Directory.EnumerateDirectories(ctx.State.Root).Select(d => Path.GetFileName(d)!).ToArray() : [];
            var outputs = RunOutputs.Read(ctx.State.Root, models);
            var cap = parse.GetValue(maxBytes);
            if (cap < 64) throw new InvalidInputException($"--max-bytes {cap}: too small. Fix: at least 64.");
            if (parse.GetValue(format) == "tekton")
            {
                var dir = parse.GetValue(to) ?? throw new InvalidInputException("--format tekton needs --to DIR (the Task's results folder). Fix: --to \"$(dirname $(results.summary.path))\".");
                RunOutputs.WriteTektonResults(outputs, dir, cap);
            }
            else if (!ctx.Json) Console.Out.Write(RunOutputs.Format(outputs, parse.GetValue(format)!, cap));
            // With --json, the outputs are the envelope's items (one per output) instead of the CI's text format.
            Verb.WriteJson(ctx, "ci outputs", [.. outputs.Select(o =>
                Verb.Item("", "ci outputs", $"{o.Key}={RunOutputs.Cap(o.Value, cap)}", new { name = o.Key, value = o.Value }))]);
            return Task.FromResult(0);
        }, ct));
        return command;
    }

    private static Command Plan()
    {
        var format = new Option<string>("--format")
        {
            Description = "json (the plan), github (models=JSON list and names= lines for $GITHUB_OUTPUT), gitlab-child "
                + "(the child pipeline: a job per model and the fan-in) or files (--to DIR/models: JSON list, DIR/names).",
            DefaultValueFactory = _ => "json",
        };
        format.AcceptOnlyFromAmong("json", "github", "gitlab-child", "files");
        var to = new Option<string?>("--to") { Description = "Where to write (github: appended; files: a folder). Default: standard output." };
        var model = CommonOptions.Model();
        var command = new Command("plan", "List the models that need work (training key not in the zoo, or test not pinned to "
            + "their published image); writes artifacts/plan.json, the record the fan-out and fan-in jobs follow.") { format, to, model };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            // Standard output may carry the plan itself: the messages go to standard error.
            var output = ctx.Output.WithWriter(Console.Error);
            var plan = await WorkPlan.ComputeAsync(ctx.Config, ctx.Models(parse, model), output, ct);
            plan.Write(ctx.State);
            foreach (var m in plan.Models)
                output.Info(m.Name, m.Reason == "train" ? $"training key {m.TrainingKey[..12]} is not in the zoo: train and publish"
                    : $"published as v{m.PublishedVersion}, but test does not pin that image: publish and pin");
            output.Info(null, $"plan: {plan.Models.Count} model(s) to publish, {plan.Unchanged.Count} unchanged");
            var text = WorkPlanFormats.Format(plan, parse.GetValue(format)!);
            var target = parse.GetValue(to);
            if (parse.GetValue(format) == "files")
                WorkPlanFormats.WriteFiles(plan, target ?? throw new InvalidInputException("--format files needs --to DIR. Fix: --to \"$(dirname $(results.models.path))\"."));
            else if (target is null)
            {
                if (!ctx.Json) Console.Out.Write(text); // with --json: the envelope below instead
            }
            else if (parse.GetValue(format) == "github") await File.AppendAllTextAsync(target, text, ct);
            else ModelPipeline.RunState.AtomicFile.WriteAllText(Path.GetFullPath(target), text);
            Verb.WriteJson(ctx, "ci plan", [.. plan.Models.Select(m => Verb.Item(m.Name, "ci plan", m.Reason, m)),
                .. plan.Unchanged.Select(m => Verb.Item(m, "ci plan", "unchanged", null, "skipped"))]);
            return 0;
        }, ct));
        return command;
    }
}
