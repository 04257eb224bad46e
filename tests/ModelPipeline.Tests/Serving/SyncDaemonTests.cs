using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Serving;

/// <summary>sync --daemon and publish --daemon: scheduled runs, one daemon per root, clean stop on SIGTERM.</summary>
public sealed class SyncDaemonTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly ServingWorld _w = new();

    public void Dispose() => _w.Dispose();

    private int DaemonPasses() =>
        File.Exists(_w.StatusPath) && _w.Status().TryGetProperty("daemon", out var d) && d.TryGetProperty("passes", out var p) ? p.GetInt32() : 0;

    [Fact]
    public async Task The_daemon_runs_scheduled_passes_refuses_a_second_daemon_and_stops_cleanly_on_SIGTERM()
    {
        var v1 = await _w.PublishAsync(1);
        _w.WriteSync("demo@v1", extra: new Dictionary<string, object> { ["schedule"] = new { cron = "*/2 * * * * *", timeZone = "Europe/Berlin" } });
        using var daemon = DaemonProcess.Start(_w.Root, ["sync", "--file", _w.SyncPath, "--daemon"]);

        // The pass at start, then two scheduled ones.
        await daemon.UntilAsync(() => DaemonPasses() >= 3, Patience, "three passes");
        var second = await _w.SyncAsync("--daemon");
        daemon.Terminate();
        var exit = await daemon.WaitAsync(Patience);

        Assert.Equal(1, second.ExitCode);
        Assert.Contains($"another sync daemon holds the lock {Path.Combine(_w.Serving, ".sync", "daemon.lock")} (process {daemon.Id})", second.All);
        Assert.True(exit == 0, daemon.Output);
        Assert.Contains("schedule */2 * * * * * (Europe/Berlin)", daemon.Output);
        Assert.Contains("sync daemon stopped after", daemon.Output);
        var status = _w.Status().GetProperty("daemon");
        Assert.Equal("stopped", status.GetProperty("state").GetString());
        Assert.True(status.GetProperty("passes").GetInt32() >= 3);
        _w.AssertServes(1, v1);
        Assert.Equal(0, (await _w.SyncAsync()).ExitCode);
    }

    [Fact]
    public async Task SIGTERM_during_the_hook_stops_the_daemon_and_the_hook_runs_again_at_the_next_pass()
    {
        var v1 = await _w.PublishAsync(1);
        var log = Path.Combine(_w.Root, "hook.log");
        var fast = Path.Combine(_w.Root, "fast");
        _w.WriteSync("demo@v1", extra: new Dictionary<string, object>
        {
            ["hook"] = new { command = new[] { "sh", "-c", $"echo ran >> '{log}'; test -f '{fast}' || exec sleep 120" }, timeoutSeconds = 300 },
        });
        using var daemon = DaemonProcess.Start(_w.Root, ["sync", "--file", _w.SyncPath, "--daemon"]);
        await daemon.UntilAsync(() => File.Exists(log), Patience, "the hook to start");

        daemon.Terminate();
        var exit = await daemon.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exit == 0, daemon.Output);
        _w.AssertServes(1, v1);
        var entry = _w.Status().GetProperty("entries")[0];
        Assert.False(entry.TryGetProperty("hookRanFor", out _), entry.ToString());
        Assert.Equal("stopped", _w.Status().GetProperty("daemon").GetProperty("state").GetString());

        File.WriteAllText(fast, "");
        var next = await _w.SyncAsync();

        Assert.True(next.ExitCode == 0, next.All);
        Assert.Equal(["ran", "ran"], File.ReadAllLines(log));
        Assert.Equal(ServingWorld.VersionName(1, v1), _w.Status().GetProperty("entries")[0].GetProperty("hookRanFor").GetString());
    }

    [Fact]
    public async Task The_publisher_daemon_runs_build_sh_Publish_on_schedule_each_with_its_own_run_id_and_stops_on_SIGTERM()
    {
        var log = Path.Combine(_w.Root, "publish.log");
        File.WriteAllText(Path.Combine(_w.Root, "build.sh"), $"echo \"$1 run-id=${{MODELPIPE_RUN_ID:-unset}}\" >> '{log}'\n");
        using var daemon = DaemonProcess.Start(_w.Root, ["publish", "--daemon", "--schedule", "* * * * * *"], new Dictionary<string, string?> { ["MODELPIPE_RUN_ID"] = "outer-run" });

        await daemon.UntilAsync(() => File.Exists(log) && File.ReadAllLines(log).Length >= 2, Patience, "two Publish runs");
        daemon.Terminate();
        var exit = await daemon.WaitAsync(Patience);

        Assert.True(exit == 0, daemon.Output);
        Assert.All(File.ReadAllLines(log), line => Assert.Equal("Publish run-id=unset", line));
        var status = JsonDocument.Parse(File.ReadAllText(Path.Combine(_w.Root, ".pipeline", "publisher", "status.json"))).RootElement;
        // The schedule fires every second, so SIGTERM may stop a run that had just started: that run is recorded as 130.
        var lastExit = status.GetProperty("lastRun").GetProperty("exitCode").GetInt32();
        Assert.True(lastExit is 0 or 130, $"last run exit code {lastExit}");
        Assert.Equal("stopped", status.GetProperty("daemon").GetProperty("state").GetString());
        Assert.Equal("* * * * * * (UTC)", status.GetProperty("daemon").GetProperty("schedule").GetString());
    }

    [Fact]
    public async Task A_failing_Publish_exits_1_and_is_recorded()
    {
        File.WriteAllText(Path.Combine(_w.Root, "build.sh"), "echo broken step >&2\nexit 3\n");

        var result = await Modelpipe.RunAsync(_w.Root, "publish");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("build.sh Publish exited with code 3", result.All);
        Assert.Contains("broken step", result.All);
        var status = JsonDocument.Parse(File.ReadAllText(Path.Combine(_w.Root, ".pipeline", "publisher", "status.json"))).RootElement;
        Assert.Equal(3, status.GetProperty("lastRun").GetProperty("exitCode").GetInt32());
        Assert.Contains("exited with code 3", status.GetProperty("lastError").GetString());
    }
}
