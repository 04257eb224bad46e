using System.Text.Json;
using System.Text.Json.Nodes;
using ModelPipeline.Reporting;
using ModelPipeline.Serving;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Serving;

/// <summary>
/// The fleet record: serving hosts push hosts/&lt;host&gt;.json to a repository of their own over git http-backend (with
/// a token for it alone), and the report shows hosts × models, drift and stale hosts.
/// </summary>
public sealed class FleetTests : IDisposable
{
    private const string Token = "fleet-token-5c2e71";
    private static readonly string[] FollowProd = ["demo@prod"];
    private readonly ServingWorld _w = new();

    public FleetTests() => _w.Env["FLEET_TOKEN"] = Token;

    public void Dispose() => _w.Dispose();

    private string WriteHost(string host, string cron, string fleetUrl)
    {
        var path = Path.Combine(_w.Root, $"sync-{host}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            zoo = new { url = ".pipeline/zoo.git" },
            root = $"serving-{host}",
            follow = FollowProd,
            layout = ".pipeline/oci",
            schedule = new { cron },
            fleet = new { url = fleetUrl, tokenEnv = "FLEET_TOKEN", host },
        }));
        return path;
    }

    private Task<Modelpipe.Result> SyncAsync(string file) => Modelpipe.RunAsync(_w.Root, ["sync", "--file", file], _w.Env);

    [Fact]
    public async Task Hosts_syncing_at_once_all_land_in_the_fleet_record_and_the_report_shows_drift_and_stale_hosts()
    {
        await using var git = await GitHttpServer.StartAsync(Path.Combine(_w.Root, "git-server"), Token);
        var fleetUrl = await git.CreateRepoAsync("fleet.git");
        var fleetBare = Path.Combine(git.ProjectRoot, "fleet.git");
        await _w.PublishAsync(1);
        await _w.PublishAsync(2);
        await _w.AliasAsync("prod", 1);
        var zooCommits = await BareRepo.CommitCountAsync(_w.ZooBare);
        // gpu-01 runs every second: three missed seconds make it stale. The others run once a year.
        var hosts = new[] { ("worker-gpu-01", "* * * * * *"), ("worker-gpu-02", "0 0 1 1 *"), ("worker-gpu-03", "0 0 1 1 *") }
            .Select(h => (Host: h.Item1, File: WriteHost(h.Item1, h.Item2, fleetUrl))).ToList();

        var passes = await Task.WhenAll(hosts.Select(h => SyncAsync(h.File)));
        Assert.All(passes, p => Assert.True(p.ExitCode == 0, p.All));
        Assert.Equal(["hosts/worker-gpu-01.json", "hosts/worker-gpu-02.json", "hosts/worker-gpu-03.json"],
            (await BareRepo.FilesAsync(fleetBare)).Order(StringComparer.Ordinal));

        await _w.AliasAsync("prod", 2);
        foreach (var h in hosts.Skip(1)) Assert.Equal(0, (await SyncAsync(h.File)).ExitCode);
        Assert.Equal(zooCommits + 1, await BareRepo.CommitCountAsync(_w.ZooBare)); // only the alias move: hosts never write the zoo

        var record = JsonDocument.Parse(await BareRepo.ShowAsync(fleetBare, "hosts/worker-gpu-02.json")).RootElement;
        var entry = record.GetProperty("models")[0];
        Assert.Equal(("demo", "demo@prod", 2), (entry.GetProperty("model").GetString(), entry.GetProperty("entry").GetString(), entry.GetProperty("version").GetInt32()));
        Assert.Equal(JsonValueKind.String, entry.GetProperty("switchedAt").ValueKind);
        Assert.Equal(JsonValueKind.String, record.GetProperty("lastPass").GetProperty("startedAt").ValueKind);

        // Wait (not a timed assertion) until three of gpu-01's one-second schedules have passed since its last pass.
        var first = JsonDocument.Parse(await BareRepo.ShowAsync(fleetBare, "hosts/worker-gpu-01.json")).RootElement;
        var lastPass = first.GetProperty("lastPass").GetProperty("startedAt").GetDateTimeOffset();
        while (DateTimeOffset.UtcNow < lastPass.AddSeconds(5)) await Task.Delay(250);

        var config = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_w.Root, "pipeline.json")))!.AsObject();
        config["fleet"] = JsonSerializer.SerializeToNode(new { url = fleetUrl, tokenEnv = "FLEET_TOKEN", staleAfterSchedules = 3 });
        await File.WriteAllTextAsync(Path.Combine(_w.Root, "pipeline.json"), config.ToJsonString());
        var report = await Modelpipe.RunAsync(_w.Root, ["report"], _w.Env);
        Assert.True(report.ExitCode == 0, report.All);

        var html = await File.ReadAllTextAsync(Path.Combine(_w.Root, "artifacts", "report", "fleet.html"));
        Assert.Contains("<span id=\"stale-count\">1</span> stale", html);
        Assert.Contains("<span id=\"drift-count\">1</span> entry drifting", html);
        Assert.Contains("<tr data-host=\"worker-gpu-01\" class=\"stale\">", html);
        Assert.Contains("<tr data-host=\"worker-gpu-02\">", html);
        Assert.Contains("drift: demo@prod is v2", html);
        Assert.Contains("href=\"fleet.html\">Fleet</a>", await File.ReadAllTextAsync(Path.Combine(_w.Root, "artifacts", "report", "index.html")));
        Assert.DoesNotContain(git.Requests, r => r.Contains(Token, StringComparison.Ordinal));
    }

    [Fact]
    public void A_host_is_stale_once_the_given_number_of_its_scheduled_times_passed_without_a_pass()
    {
        var pass = new DateTimeOffset(2026, 5, 1, 10, 0, 30, TimeSpan.Zero);
        FleetHostRecord Host(string name) => new()
        {
            Host = name, Schedule = new SyncSchedule { Cron = "*/5 * * * *" },
            LastPass = new PassSummary { StartedAt = pass, ExitCode = 0 },
            Models = [new FleetEntry { Model = "demo", Entry = "demo@v1", Version = 1 }],
        };
        var problems = new List<string>();
        // Scheduled at 10:05, 10:10 and 10:15 after the pass at 10:00:30: stale after 10:15.
        var before = FleetReport.Build("fleet", null, [Host("a")], [], 3, pass.AddMinutes(14), problems);
        var after = FleetReport.Build("fleet", null, [Host("a")], [], 3, pass.AddMinutes(15), problems);

        Assert.False(before.Hosts[0].Stale);
        Assert.True(after.Hosts[0].Stale);
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 10, 15, 0, TimeSpan.Zero), after.Hosts[0].StaleSince);
        Assert.Equal("the zoo has no model demo", after.Hosts[0].Cells[0].Unknown);
        Assert.Empty(problems);
    }
}
