using System.Text.Json;
using ModelPipeline.Tests.Notifications;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Serving;

/// <summary>The health check after a switch: an unhealthy version is switched back, reported, and not tried again until it changes.</summary>
public sealed class HealthCheckTests : IDisposable
{
    private static readonly string[] Reverted = ["sync.reverted"];
    private readonly ServingWorld _w = new();

    public void Dispose() => _w.Dispose();

    [Fact]
    public async Task An_unhealthy_version_is_switched_back_reported_everywhere_and_not_tried_again_until_the_alias_moves()
    {
        await using var receiver = await WebhookReceiver.StartAsync(secret: null);
        var fleet = await BareRepo.CreateAsync(Path.Combine(_w.Root, "fleet.git"));
        var checks = Path.Combine(_w.Root, "health-checks.log");
        var v1 = await _w.PublishAsync(1);
        await _w.PublishAsync(2);
        var v3 = await _w.PublishAsync(3);
        await _w.AliasAsync("prod", 1);
        _w.WriteSync("demo@prod", extra: new Dictionary<string, object>
        {
            // Healthy unless the version switched to is v2; every check is logged.
            ["health"] = new { command = new[] { "sh", "-c", $"echo $MODELPIPE_SYNC_VERSION >> {checks}; test $MODELPIPE_SYNC_VERSION != 2" }, attempts = 2, delaySeconds = 0 },
            ["fleet"] = new { url = "fleet.git", host = "worker-gpu-01" },
            ["notifications"] = new { webhooks = new[] { new { url = receiver.Url, events = Reverted } } },
        });
        Assert.Equal(0, (await _w.SyncAsync()).ExitCode);
        _w.AssertServes(1, v1);

        await _w.AliasAsync("prod", 2);
        var reverted = await _w.SyncAsync();

        Assert.Equal(1, reverted.ExitCode);
        Assert.Contains("v2", reverted.All);
        Assert.Contains("failed its health check", reverted.All);
        _w.AssertServes(1, v1);
        var entry = _w.Status().GetProperty("entries")[0];
        Assert.Equal(("reverted", 2), (entry.GetProperty("result").GetString(), entry.GetProperty("rejected").GetProperty("version").GetInt32()));
        Assert.Contains("failed its health check", _w.Status().GetProperty("lastError").GetString());
        var hook = Assert.Single(receiver.Received);
        Assert.Equal(("sync.reverted", 2, 1), (hook.Event, hook.Json.GetProperty("version").GetInt32(), hook.Json.GetProperty("previousVersion").GetInt32()));
        var record = JsonDocument.Parse(await BareRepo.ShowAsync(fleet, "hosts/worker-gpu-01.json")).RootElement.GetProperty("models")[0];
        Assert.Equal((1, 2), (record.GetProperty("version").GetInt32(), record.GetProperty("rejected").GetProperty("version").GetInt32()));
        Assert.Equal(["1", "2", "2"], await File.ReadAllLinesAsync(checks));

        var held = await _w.SyncAsync();
        Assert.Equal(1, held.ExitCode);
        Assert.Contains("not tried again until demo@prod resolves to another digest", held.All);
        Assert.Equal("rejected", _w.Status().GetProperty("entries")[0].GetProperty("result").GetString());
        Assert.Equal(3, (await File.ReadAllLinesAsync(checks)).Length); // v2 was not switched to, nor checked, again
        _w.AssertServes(1, v1);
        Assert.Single(receiver.Received);

        await _w.AliasAsync("prod", 3);
        Assert.Equal(0, (await _w.SyncAsync()).ExitCode);
        _w.AssertServes(3, v3);
        Assert.False(_w.Status().GetProperty("entries")[0].TryGetProperty("rejected", out _));
    }

    [Fact]
    public async Task A_first_version_whose_health_url_fails_is_not_left_serving()
    {
        await using var server = await LoopbackServer.StartAsync(context =>
        {
            context.Response.StatusCode = context.Request.Path == "/v2/models/demo/versions/1/ready" ? 503 : 200;
            return Task.CompletedTask;
        });
        await _w.PublishAsync(1);
        await _w.AliasAsync("prod", 1);
        _w.WriteSync("demo@prod", extra: new Dictionary<string, object>
        {
            ["health"] = new { url = new Uri(server.Address, "/v2/models/{model}/versions/{version}/ready").ToString().Replace("%7B", "{").Replace("%7D", "}"), attempts = 1 },
        });

        var sync = await _w.SyncAsync();

        Assert.Equal(1, sync.ExitCode);
        Assert.Contains("answered HTTP 503", sync.All);
        Assert.Contains("current was removed", sync.All);
        Assert.Null(_w.Current);
        var left = Assert.Single(_w.ModelEntries()); // the version stays on disk, unserved
        Assert.StartsWith("v1-", left);
    }
}
