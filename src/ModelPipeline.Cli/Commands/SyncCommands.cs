using System.CommandLine;
using ModelPipeline.Cli.Output;
using ModelPipeline.Errors;
using ModelPipeline.Serving;

namespace ModelPipeline.Cli.Commands;

/// <summary>
/// The distribution roles: <c>sync</c> (a serving host follows the zoo: one pass, or <c>--daemon</c>
/// on the sync file's schedule) and <c>publish</c> (runs ./build.sh Publish once, or <c>--daemon</c> on a schedule).
/// </summary>
internal static class SyncCommands
{
    public static Command Sync()
    {
        var file = new Option<string>("--file", "-f") { Description = "The sync file (default: sync.json in the current folder).", DefaultValueFactory = _ => "sync.json" };
        var once = new Option<bool>("--once") { Description = "Run one pass and exit (the default); exit 0 when every entry serves what it follows." };
        var daemon = new Option<bool>("--daemon") { Description = "Run a pass now, then on the sync file's schedule, until SIGTERM or Ctrl-C." };
        var command = new Command("sync", "Serving host: bring ROOT/<name>/current to the zoo versions the sync file follows (verified pull, atomic switch, hook, retention).") { file, once, daemon };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            if (parse.GetValue(once) && parse.GetValue(daemon))
                throw new InvalidInputException("--once and --daemon exclude each other. Fix: pass one of them.");
            var ctx = CommandContext.Create(parse);
            var sync = SyncFileLoader.Load(parse.GetValue(file)!);
            var pass = new SyncPass(sync, ctx.Config, ctx.Output);
            if (!parse.GetValue(daemon))
            {
                var report = await pass.RunAsync(TimeSpan.FromMinutes(10), ct);
                Render(ctx, report);
                return report.ExitCode;
            }
            var runner = new ScheduledRunner(CronSchedule.From(sync.Schedule), pass.InstanceLockPath, "sync", ctx.Output);
            pass.Root.Prepare();
            await runner.RunAsync(async token => Render(ctx, await pass.RunAsync(TimeSpan.FromMinutes(10), token)), pass.ReportDaemon, runAtStart: true, ct);
            return 0;
        }, ct));
        return command;
    }

    public static Command Publish()
    {
        var daemon = new Option<bool>("--daemon") { Description = "Run Publish on the schedule until SIGTERM or Ctrl-C (default: run it once now)." };
        var schedule = new Option<string>("--schedule") { Description = "Cron expression for --daemon: 5 fields, or 6 with seconds first.", DefaultValueFactory = _ => "0 * * * *" };
        var zone = new Option<string>("--time-zone") { Description = "IANA time zone the schedule is read in.", DefaultValueFactory = _ => "UTC" };
        var jitter = new Option<int>("--jitter") { Description = "Wait a random 0..N seconds after each scheduled time." };
        var command = new Command("publish", "Publisher: run the models repository's ./build.sh Publish once, or with --daemon on a cron schedule (status in .pipeline/publisher/status.json).") { daemon, schedule, zone, jitter };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var publisher = new Publisher(ctx.Root, ctx.Output);
            if (!parse.GetValue(daemon))
            {
                await publisher.RunAsync(ct);
                var status = Path.GetRelativePath(ctx.Root, publisher.StatusPath);
                Verb.WriteJson(ctx, "publish", Verb.Item("", "publish", $"Publish succeeded; status in {status}", new { status }));
                return 0;
            }
            if (parse.GetValue(jitter) < 0) throw new InvalidInputException("--jitter: must be 0 or more seconds.");
            var cron = CronSchedule.Parse(parse.GetValue(schedule)!, parse.GetValue(zone)!, parse.GetValue(jitter), "--schedule");
            await new ScheduledRunner(cron, publisher.InstanceLockPath, "publisher", ctx.Output).RunAsync(publisher.RunAsync, publisher.Report, runAtStart: false, ct);
            return 0;
        }, ct));
        return command;
    }

    private static void Render(CommandContext ctx, SyncReport report)
    {
        var rows = report.Entries.Select(e => new StepResult
        {
            Model = e.Model,
            Step = "sync",
            Result = e.Result switch { "switched" when e.HookError is null => "ok", "unchanged" when e.HookError is null => "skipped", _ => "failed" },
            DurationSeconds = e.DurationSeconds,
            Detail = e.Result == "failed" ? (e.Detail ?? "").Split('\n')[0].Trim() : e.Detail ?? "",
            Data = e,
        }).ToList();
        ctx.Output.Summary(rows);
        if (ctx.Json) Verb.WriteJson("sync", report.ExitCode, rows);
    }
}
