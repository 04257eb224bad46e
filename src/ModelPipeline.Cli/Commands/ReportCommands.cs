using System.CommandLine;
using System.Text.Json;
using ModelPipeline.Cli.Output;
using ModelPipeline.Errors;
using ModelPipeline.GitOps;
using ModelPipeline.Reporting;
using ModelPipeline.RunState;
using ModelPipeline.Zoo;

namespace ModelPipeline.Cli.Commands;

/// <summary><c>report</c>: the static HTML view of the zoo and the runs; and the run journal every verb writes.</summary>
internal static class ReportCommands
{
    public static Command Report()
    {
        var zooOption = new Option<string?>("--zoo") { Description = "Render this zoo (a git URL or a path) instead of the configured primary; test/prod then come from its aliases." };
        var outOption = new Option<string?>("--out") { Description = "The folder to write the site to (default: <artifacts>/report). It must be new, empty, or a previous report." };
        var model = CommonOptions.Model();
        model.Description = "Only these models (repeatable). Default: every model in the zoo.";
        var archived = new Option<bool>("--archived") { Description = "Show archived versions too (hidden by default)." };
        var command = new Command("report", "Write a static HTML site of the zoo (models, versions, metric charts, lineage) and of the recorded runs.") { zooOption, outOption, model, archived };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var zooUrl = parse.GetValue(zooOption);
            var destination = Path.GetFullPath(parse.GetValue(outOption) ?? Path.Combine(ctx.Config.ArtifactsDir, "report"), ctx.Root);
            CheckDestination(destination);
            var only = parse.GetValue(model) ?? [];
            var problems = new List<string>();

            ReportData data;
            using (var zoo = await new ZooRepository(ctx.Config, ctx.Output, zooUrl).ReadAsync(ct))
            {
                var previous = PageMemo.Read(destination);
                // The GitOps history the last report read up to is continued, not read again.
                var (deployed, history, timeline) = zooUrl is null
                    ? await GitOpsAsync(ctx, previous.Timeline, ct) : (null, null, null);
                var archivedToo = parse.GetValue(archived);
                var loader = new ReportLoader(zoo.Root, ctx.Config.ArtifactsDir) { IncludeArchived = archivedToo };
                var names = ZooLayout.Models(zoo.Root).Where(m => only.Length == 0 || only.Contains(m)).ToList();
                foreach (var missing in only.Where(m => !names.Contains(m)))
                    throw new InvalidInputException($"--model {missing}: the zoo {zoo.Source} has no such model (it has {(ZooLayout.Models(zoo.Root) is { Count: > 0 } all ? string.Join(", ", all.Take(20)) : "no models")}). Fix: pick a model from 'modelpipe models list'.") { Model = missing };
                var historySource = history is null
                    ? "The GitOps history was not read (a --zoo report, or it was unreadable): no promotion history."
                    : "The GitOps repository never deployed this model to test or prod.";
                var withFleet = zooUrl is null && ctx.Config.Fleet is not null;
                var trees = await PageMemo.TreesAsync(zoo.Root, zoo.Commit, ct);
                var stays = (history ?? []).ToLookup(e => e.Model, StringComparer.Ordinal);
                var inputs = names.Where(trees.ContainsKey).ToDictionary(n => n, n => PageMemo.Inputs(trees[n],
                    deployed?.GetValueOrDefault((n, "test")), deployed?.GetValueOrDefault((n, "prod")),
                    deployed is not null, stays[n], historySource, zoo.Source, withFleet, archivedToo));
                // Pages drawn from the same inputs are kept unread; the fleet page judges every model, so not with one.
                var memo = withFleet ? new Dictionary<string, PageMemo.Entry>() : previous.Models;
                var kept = names.Where(n => PageMemo.Keeps(memo, destination, n, inputs.GetValueOrDefault(n)))
                    .Select(n => memo[n]).ToList();
                var keptNames = kept.Select(k => k.Index.Name).ToHashSet(StringComparer.Ordinal);
                var models = loader.LoadModels(deployed, [.. names.Where(n => !keptNames.Contains(n))]);
                var fleet = zooUrl is null ? await FleetReader.ReportAsync(ctx.Config, ctx.Output, models, problems, ct) : null;
                data = new ReportData
                {
                    ZooSource = zoo.Source,
                    ZooCommit = zoo.Commit,
                    GeneratedAt = DateTimeOffset.UtcNow,
                    Models = models,
                    Kept = kept,
                    // A model read with problems is drawn every time: its page and the index list them.
                    PageInputs = inputs.Where(i => !loader.HasProblems(i.Key)).ToDictionary(),
                    Runs = zooUrl is null
                        ? RunJournal.ReadAll(ctx.Config.ArtifactsDir, problems,
                            Path.Combine(ctx.Config.CacheDir, "report-runs"),
                            id => ReportWriter.HasRunPage(destination, id),
                            // What a run's page shows besides its journal: the site's header and the model links.
                            $"{zoo.Source}\n{fleet is not null}\n{string.Join(",", names)}")
                        : [],
                    EnvironmentSource = deployed is null ? "the zoo's test and prod aliases" : "the GitOps repository",
                    Problems = [.. loader.Problems, .. problems],
                    History = history ?? [],
                    Timeline = timeline,
                    HistorySource = historySource,
                    ChartCacheDir = Path.Combine(ctx.Config.CacheDir, "report-charts"),
                    Fleet = fleet,
                    Deliveries = zooUrl is null ? Notifications.DeliveryLog.Read(Notifications.Notifier.LogPath(ctx.Config.ArtifactsDir)) : [],
                };
            }
            var written = ReportWriter.Write(data, destination, ct);
            ChartCache.Prune(data.ChartCacheDir);
            foreach (var p in data.Problems) ctx.Output.Warning(null, p);
            var index = Path.Combine(written.Directory, "index.html");
            var runPage = ctx.RunId is { } id && data.Runs.Any(r => r.RunId == id) ? Path.Combine(written.Directory, "runs", id + ".html") : null;
            ctx.Output.Info(null, $"report: {index} ({written.ModelPages} model page(s), {written.Charts} chart(s), "
                + $"{written.RunPages} run page(s); "
                + $"{written.Rewritten} file(s) written, the others unchanged)");
            if (runPage is not null) ctx.Output.Info(null, $"this run: {runPage}");
            JobSummary(runPage);
            var site = new { index, runPage, models = written.ModelPages, charts = written.Charts, runs = written.RunPages, problems = data.Problems };
            Verb.WriteJson(ctx, "report", Verb.Item("", "report", $"{index} ({written.ModelPages} model page(s))", site,
                data.Problems.Count == 0 ? "ok" : "warning"));
            return 0;
        }, ct));
        return command;
    }

    /// <summary>
    /// What the GitOps repository deploys, (model, test|prod) → version, and every model's promotion history, from
    /// its config.yaml changes: <paramref name="kept"/> (the previous report's) continued with the commits after it
    /// (<see cref="History.PinTimeline.ReadAsync"/>). Unreadable: a warning, and the zoo's aliases instead (also
    /// for a bad config.yaml at the tip) or no history.
    /// </summary>
    private static async Task<(IReadOnlyDictionary<(string Model, string Environment), int>? Deployed,
        IReadOnlyList<History.HistoryEntry>? History, History.PinTimeline? Timeline)> GitOpsAsync(CommandContext ctx,
        History.PinTimeline? kept, CancellationToken ct)
    {
        History.PinTimeline timeline;
        try
        {
            using var repo = await GitOpsRepository.OpenAsync(ctx.Config, ctx.Output, ct);
            timeline = await History.PinTimeline.ReadAsync(repo, kept, ct);
        }
        catch (PipelineException ex)
        {
            Unreadable(ctx, ex.Message, "repository", "test and prod are shown from the zoo's aliases");
            Unreadable(ctx, ex.Message, "history", "the model pages show none");
            return (null, null, null);
        }
        var (deployed, error) = timeline.Deployed();
        if (error is not null) Unreadable(ctx, error, "repository", "test and prod are shown from the zoo's aliases");
        return (deployed, timeline.History(ctx.State), timeline);
    }

    private static void Unreadable(CommandContext ctx, string error, string what, string instead) =>
        ctx.Output.Warning(null, $"the GitOps {what} could not be read ({error.Split('\n')[0]}); {instead}.");

    /// <summary>Refuses to replace a folder that is not a report (the site replaces its destination whole).</summary>
    private static void CheckDestination(string destination)
    {
        if (File.Exists(destination))
            throw new InvalidInputException($"--out {destination}: is a file. Fix: give a new or empty folder.");
        if (Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any() && !File.Exists(Path.Combine(destination, ReportWriter.Marker)))
            throw new InvalidInputException($"--out {destination}: the folder has files and is not a report written by 'modelpipe report'; it would be replaced. Fix: give a new or empty folder.");
    }

    /// <summary>On GitHub Actions, the job summary says where the site is.</summary>
    private static void JobSummary(string? runPage)
    {
        var path = Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY");
        if (Environment.GetEnvironmentVariable("GITHUB_ACTIONS") != "true" || string.IsNullOrEmpty(path)) return;
        var server = Environment.GetEnvironmentVariable("GITHUB_SERVER_URL");
        var repo = Environment.GetEnvironmentVariable("GITHUB_REPOSITORY");
        var run = Environment.GetEnvironmentVariable("GITHUB_RUN_ID");
        var link = server is null || repo is null || run is null ? "the run's artifacts" : $"[the run's artifacts]({server}/{repo}/actions/runs/{run}#artifacts)";
        File.AppendAllLines(path, [Redactor.Redact($"**Model zoo report**: `artifacts/report/index.html`{(runPage is null ? "" : $", this run: `artifacts/report/runs/{Path.GetFileName(runPage)}`")}; download it from {link}, or open the Pages site when a pages job publishes it.")]);
    }

    /// <summary>The run journal hook of <see cref="Verb.RunRowsAsync"/>: records this verb's rows for MODELPIPE_RUN_ID.</summary>
    public static void Journal(CommandContext ctx, string verb, int exitCode, IReadOnlyList<StepResult> results)
    {
        if (ctx.RunId is null) return;
        var now = DateTimeOffset.UtcNow;
        var rows = results.Select(r => new JournalRow
        {
            Model = r.Model,
            Step = r.Step,
            Result = r.Result,
            StartedAt = r.FinishedAt - TimeSpan.FromSeconds(r.DurationSeconds),
            FinishedAt = r.FinishedAt,
            DurationSeconds = r.DurationSeconds,
            Detail = r.Detail,
            Data = r.Data is null ? null : JsonSerializer.SerializeToElement(r.Data, RunStateStore.Json),
        }).ToList();
        var entry = new JournalEntry { Verb = verb, StartedAt = rows.Count == 0 ? now : rows.Min(r => r.StartedAt), FinishedAt = now, ExitCode = exitCode, Rows = rows };
        try
        {
            RunJournal.Record(ctx.Config.ArtifactsDir, ctx.RunId, entry);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ctx.Output.Warning(null, $"the run journal could not be written ({ex.Message}); the run page will miss '{verb}'.");
        }
    }
}
