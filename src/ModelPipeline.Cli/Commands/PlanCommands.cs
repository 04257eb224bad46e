using System.CommandLine;
using ModelPipeline.Cli.Output;
using ModelPipeline.Errors;
using ModelPipeline.Forges.GitLab;
using ModelPipeline.Planning;

namespace ModelPipeline.Cli.Commands;

/// <summary>
/// <c>plan</c> (<c>./build.sh Publish --plan</c>): every side effect a Publish run would make, written nowhere.
/// One row per model (the envelope's results); <c>--summary</c> appends Markdown to a file (GitHub's job
/// summary); <c>--mr-note</c> posts it on the GitLab merge request of the pipeline, or prints it to the log.
/// </summary>
internal static class PlanCommands
{
    /// <summary>The token for the merge request note (a GitLab token that may comment on the models project).</summary>
    public const string NoteTokenEnv = "MODELPIPE_MR_NOTE_TOKEN";

    public static Command Plan()
    {
        var model = CommonOptions.Model();
        var summary = new Option<string?>("--summary")
        {
            Description = "Also append the plan as Markdown to this file (GitHub Actions: \"$GITHUB_STEP_SUMMARY\").",
        };
        var note = new Option<bool>("--mr-note")
        {
            Description = "In a GitLab merge request pipeline, post the plan as a note on the merge request (token in "
                + NoteTokenEnv + "); without a token or a merge request, print it to the job log.",
        };
        var command = new Command("plan", "Print every side effect ./build.sh Publish would make (training, images and "
            + "blobs, zoo versions and aliases, GitOps diffs, pull requests); writes nothing.") { model, summary, note };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var plan = await new RunPlanner(ctx.Config, ctx.State, ctx.Output).PlanAsync(ctx.Models(parse, model), ct);
            var rows = new List<StepResult>();
            foreach (var m in plan.Models)
            {
                if (m.HasSideEffects)
                {
                    foreach (var line in RunPlanText.Lines(m)) ctx.Output.Info(m.Name, line);
                    if (m.GitOps.Diff is { } diff) foreach (var line in diff.Split('\n')) ctx.Output.Output(m.Name, line);
                }
                rows.Add(new StepResult
                {
                    Model = m.Name, Step = "plan", Result = m.HasSideEffects ? "ok" : "skipped",
                    Detail = m.HasSideEffects ? Detail(m) : $"nothing to do (v{m.Zoo.Version} published and pinned)", Data = m,
                });
            }
            ctx.Output.Summary(rows);
            ctx.Output.Info(null, $"plan: {plan.Changing.Count()} of {plan.Models.Count} model(s) would change; nothing was written");
            var markdown = RunPlanText.Markdown(plan);
            if (parse.GetValue(summary) is { } file) await File.AppendAllTextAsync(Path.GetFullPath(file), markdown, ct);
            if (parse.GetValue(note)) await NoteAsync(ctx, markdown, ct);
            if (ctx.Json) Verb.WriteJson("plan", 0, rows);
            return 0;
        }, ct));
        return command;
    }

    private static string Detail(ModelPlan m) =>
        $"{m.Training.Action}; image {m.Image.Action}; zoo v{m.Zoo.Version}{(m.Zoo.NewVersion ? " (new)" : "")}; "
        + $"{m.GitOps.Action} {m.GitOps.Path}; promotion {m.Promotion.Action}";

    /// <summary>
    /// The merge request note (GitLab's predefined CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID): through
    /// the project's GitLab client. Without a merge request or a token the plan goes to the job log instead.
    /// </summary>
    private static async Task NoteAsync(CommandContext ctx, string markdown, CancellationToken ct)
    {
        var api = Environment.GetEnvironmentVariable("CI_API_V4_URL");
        var project = Environment.GetEnvironmentVariable("CI_PROJECT_ID");
        var iid = Environment.GetEnvironmentVariable("CI_MERGE_REQUEST_IID");
        var token = Environment.GetEnvironmentVariable(NoteTokenEnv);
        if (string.IsNullOrEmpty(api) || string.IsNullOrEmpty(project) || !int.TryParse(iid, out var number)
            || string.IsNullOrEmpty(token))
        {
            var why = string.IsNullOrEmpty(iid) ? "this is not a merge request pipeline" : $"{NoteTokenEnv} is not set";
            ctx.Output.Info(null, $"the plan is not posted as a merge request note ({why}); here it is:");
            foreach (var line in markdown.TrimEnd('\n').Split('\n')) ctx.Output.Output(null, line);
            return;
        }
        Redactor.Register(token);
        var settings = new Configuration.ForgeSettings { Kind = "gitlab", ApiUrl = api, Repository = project };
        using var client = GitLabClient.Create(new Uri(api), token, ctx.Output, settings);
        await client.MergeRequests.CreateNoteAsync(project, number, new NewNote(markdown), ct);
        ctx.Output.Info(null, $"posted the plan as a note on merge request !{number}");
    }
}
