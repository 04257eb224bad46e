using System.Text.Json;
using System.Text.RegularExpressions;
using ModelPipeline.Reporting;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Reporting;

/// <summary>The run journal: what verbs record for MODELPIPE_RUN_ID, and the run page made from it.</summary>
public sealed class RunJournalTests
{
    private static readonly object[] Closed = [new { branch = "promote/alpha-v11", version = 11, url = "https://github.com/acme/gitops/pull/41", number = 41 }];

    private static readonly string[] ShellWarning = ["shell: the base has no /bin/sh"];

    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value, RunState.RunStateStore.Json);

    private static JournalRow Row(string model, string step, string result, int start, int seconds, string detail = "", object? data = null) => new()
    {
        Model = model, Step = step, Result = result, StartedAt = T0.AddSeconds(start), FinishedAt = T0.AddSeconds(start + seconds),
        DurationSeconds = seconds, Detail = detail, Data = data is null ? null : Json(data),
    };

    private static JournalEntry Entry(string verb, int start, int end, int exit, params JournalRow[] rows) =>
        new() { Verb = verb, StartedAt = T0.AddSeconds(start), FinishedAt = T0.AddSeconds(end), ExitCode = exit, Rows = rows };

    public static RunRecord PublishRun() => new()
    {
        RunId = "20261123T100000Z-abc",
        Entries =
        [
            Entry("train", 0, 40, 0, Row("alpha", "train", "ok", 0, 30, "trained"), Row("beta", "train", "skipped", 30, 10, "key unchanged")),
            Entry("package", 40, 50, 0, Row("alpha", "package", "warning", 40, 10, "oci-layout", new { warnings = ShellWarning })),
            Entry("push", 50, 60, 0,
                Row("alpha", "push", "ok", 50, 5, "v12", new { model = "alpha", version = 12, commit = new string('a', 40), digest = GeneratedZoo.Digest("alpha", 12), alreadyPublished = false }),
                Row("beta", "push", "skipped", 55, 5, "v3", new { model = "beta", version = 3, commit = new string('b', 40), digest = GeneratedZoo.Digest("beta", 3), alreadyPublished = true })),
            Entry("gitops", 60, 70, 0,
                Row("alpha", "gitops", "ok", 60, 5, "test", new { model = "alpha", path = "test/alpha/config.yaml", version = 12, digest = GeneratedZoo.Digest("alpha", 12), commit = new string('d', 40), changed = true, aliasChanged = true }),
                Row("beta", "gitops", "skipped", 65, 5, "unchanged", new { model = "beta", path = "test/beta/config.yaml", version = 3, changed = false })),
            Entry("pr", 70, 80, 1,
                Row("alpha", "pr", "ok", 70, 5, "created", new { model = "alpha", version = 12, forge = "github", action = "created", number = 42, url = "https://github.com/acme/gitops/pull/42", branch = "promote/alpha-v12", superseded = Closed }),
                Row("beta", "pr", "failed", 75, 5, "GitHub answered 502")),
        ],
    };

    /// <summary>A world with one small model "demo" whose data is a file.</summary>
    private static TestWorld DemoWorld()
    {
        var world = new TestWorld();
        world.WriteModel("demo", """
            { "name": "demo", "description": "demo", "owners": ["a@example.com"], "data": [ { "name": "d", "file": "data.csv" } ],
              "training": { "backend": "local", "command": ["true"] }, "artifacts": { "format": "onnx", "files": ["model.onnx"] },
              "validation": {}, "serving": { "runtime": "onnx" } }
            """);
        File.WriteAllText(Path.Combine(world.Root, "models", "demo", "data.csv"), "a\n1\n");
        return world;
    }

    [Fact]
    public void The_run_page_shows_the_timeline_warnings_and_what_changed()
    {
        using var temp = new TestWorld();
        var dir = temp.Root;
        var zoo = Path.Combine(dir, "zoo");
        GeneratedZoo.Write(zoo, ReportRenderingTests.Zoo());
        var data = new ReportData { ZooSource = "z", GeneratedAt = T0, Models = new ReportLoader(zoo).Load(null, []), Runs = [PublishRun()] };
        ReportWriter.Write(data, Path.Combine(dir, "site"), CancellationToken.None);
        var html = File.ReadAllText(Path.Combine(dir, "site", "runs", "20261123T100000Z-abc.html"));
        var text = ReportRenderingTests.Text(html);

        Assert.Contains("failed started 2026-11-23 10:00 UTC, took 1 min 20 s; 5 target(s), 9 step(s).", text);
        var targets = Regex.Matches(html, "<tr class=\"target\"><th scope=\"rowgroup\">([A-Za-z]+) ").Select(m => m.Groups[1].Value);
        Assert.Equal(["Train", "PackageModelCar", "PushMirrors", "UpdateGitOps", "OpenPr"], targets);
        Assert.Contains("OpenPr (modelpipe pr) failed 10.0 s exit code 1", text);
        Assert.Contains("beta failed 5.0 s GitHub answered 502", text);
        // The bar of alpha's training starts at 0 % and spans 30 of 80 s.
        Assert.Contains("margin-left:0%;width:37.5%", html);
        Assert.Contains("warning PackageModelCar alpha: shell: the base has no /bin/sh", text);
        Assert.Contains("failed OpenPr beta: GitHub answered 502", text);
        Assert.Contains($"Versions published alpha v12 {GeneratedZoo.Digest("alpha", 12)[..23]}…, zoo commit aaaaaaaaaaaa beta v3 (already published; no commit)", text);
        Assert.Contains("GitOps commits alpha: test/alpha/config.yaml → v12", text);
        Assert.DoesNotContain("beta: test/beta/config.yaml", text);
        Assert.Contains("Pull / merge requests alpha v12: created github #42 https://github.com/acme/gitops/pull/42 alpha v11: closed #41 https://github.com/acme/gitops/pull/41 (superseded by v12)", text);
        Assert.Contains("<a href=\"../models/alpha.html#v12\">v12</a>", html);

        var list = ReportRenderingTests.Text(File.ReadAllText(Path.Combine(dir, "site", "runs.html")));
        Assert.Contains("20261123T100000Z-abc 2026-11-23 10:00 UTC 1 min 20 s failed Train → PackageModelCar → PushMirrors → UpdateGitOps → OpenPr", list);
    }

    [Fact]
    public void A_step_at_the_very_end_of_the_run_gets_a_visible_bar_at_the_end()
    {
        using var temp = new TestWorld();
        var dir = temp.Root;
        // The report step of a no-op Publish: it starts when everything else has finished and takes no time.
        var run = new RunRecord
        {
            RunId = "end", Entries = [Entry("train", 0, 100, 0, Row("alpha", "train", "ok", 0, 100)), Entry("pr", 100, 100, 0, Row("alpha", "pr", "skipped", 100, 0))],
        };
        ReportWriter.Write(new ReportData { ZooSource = "z", GeneratedAt = T0, Models = [], Runs = [run] }, Path.Combine(dir, "site"), CancellationToken.None);
        var html = File.ReadAllText(Path.Combine(dir, "site", "runs", "end.html"));

        Assert.Contains("margin-left:0%;width:100%", html);
        Assert.Contains("margin-left:99.5%;width:0.5%", html);
    }

    [Fact]
    public async Task A_verb_records_its_rows_for_the_run_id_and_the_report_renders_the_run_page()
    {
        using var world = DemoWorld();
        var env = new Dictionary<string, string?> { ["MODELPIPE_RUN_ID"] = "run-1" };

        var check = await Modelpipe.RunAsync(world.Root, ["check"], env);
        Assert.Equal(0, check.ExitCode);
        var fetch = await Modelpipe.RunAsync(world.Root, ["fetch"], env);
        Assert.Equal(0, fetch.ExitCode);

        var files = Directory.GetFiles(Path.Combine(world.ArtifactsDir, "runs", "run-1")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(2, files.Count);
        Assert.Matches(@"^\d{8}T\d{6}\.\d{3}Z-check-\d+\.json$", files[0]);
        Assert.Matches(@"^\d{8}T\d{6}\.\d{3}Z-fetch-\d+\.json$", files[1]);
        var entry = JsonSerializer.Deserialize<JournalEntry>(File.ReadAllText(Path.Combine(world.ArtifactsDir, "runs", "run-1", files[1]!)), RunState.RunStateStore.Json)!;
        Assert.Equal(("run-1", "fetch", 0), (entry.RunId, entry.Verb, entry.ExitCode));
        var row = Assert.Single(entry.Rows);
        Assert.Equal(("demo", "ok"), (row.Model, row.Result));
        Assert.True(row.StartedAt <= row.FinishedAt && row.FinishedAt <= entry.FinishedAt);
        Assert.Equal("demo", row.Data!.Value.GetProperty("model").GetString()); // the fetch record, as --json prints it

        var report = await Modelpipe.RunAsync(world.Root, ["report"], env);
        Assert.True(report.ExitCode == 0, report.All);
        Assert.Contains("this run: ", report.All);
        var page = ReportRenderingTests.Text(File.ReadAllText(Path.Combine(world.ArtifactsDir, "report", "runs", "run-1.html")));
        Assert.Contains("Check (modelpipe check) ok", page);
        Assert.Contains("Fetch (modelpipe fetch) ok", page);
        Assert.Contains("the zoo", ReportRenderingTests.Text(File.ReadAllText(Path.Combine(world.ArtifactsDir, "report", "index.html"))));
    }

    [Fact]
    public async Task Without_a_run_id_a_verb_records_nothing()
    {
        using var world = DemoWorld();
        var check = await Modelpipe.RunAsync(world.Root, ["check"], new Dictionary<string, string?> { ["MODELPIPE_RUN_ID"] = null });
        Assert.True(check.ExitCode == 0, check.All);
        Assert.False(Directory.Exists(Path.Combine(world.ArtifactsDir, "runs")));
    }

    [Fact]
    public async Task A_run_id_that_is_not_a_file_name_is_refused_before_any_work()
    {
        using var world = DemoWorld();
        var before = world.Files();

        var fetch = await Modelpipe.RunAsync(world.Root, ["fetch"], new Dictionary<string, string?> { ["MODELPIPE_RUN_ID"] = "../escape" });

        Assert.Equal(2, fetch.ExitCode);
        Assert.Contains("MODELPIPE_RUN_ID='../escape' is not a run id", fetch.StdErr);
        Assert.Contains("Fix: set it to", fetch.StdErr);
        Assert.Equal(before, world.Files());
    }
}
