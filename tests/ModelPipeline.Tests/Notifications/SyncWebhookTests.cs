using ModelPipeline.Notifications;
using ModelPipeline.Tests.Serving;

namespace ModelPipeline.Tests.Notifications;

/// <summary>A serving host's webhooks (sync.json's notifications), through the real sync pass.</summary>
public sealed class SyncWebhookTests : IDisposable
{
    private const string Secret = "sync-hook-secret-41d0b9";
    private readonly ServingWorld _w = new();

    public SyncWebhookTests() => _w.Env[WebhookWorld.SecretVariable] = Secret;

    public void Dispose() => _w.Dispose();

    [Fact]
    public async Task A_serving_host_notifies_a_switch_and_a_failure_once_while_it_lasts()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        var v1 = await _w.PublishAsync(1);
        await _w.AliasAsync("prod", 1);
        var notifications = new { webhooks = new[] { new { url = receiver.Url, secretEnv = WebhookWorld.SecretVariable } } };
        _w.WriteSync("demo@prod", extra: new Dictionary<string, object> { ["notifications"] = notifications });

        Assert.Equal(0, (await _w.SyncAsync()).ExitCode);
        Assert.Equal(0, (await _w.SyncAsync()).ExitCode); // unchanged: nothing to tell
        _w.WriteSync("demo@v7", extra: new Dictionary<string, object> { ["notifications"] = notifications });
        Assert.Equal(2, (await _w.SyncAsync()).ExitCode);
        Assert.Equal(2, (await _w.SyncAsync()).ExitCode); // the same failure again: told once

        var got = receiver.Received.ToList();
        Assert.Equal(["sync.switched", "sync.failed"], got.Select(d => d.Event));
        Assert.All(got, d => Assert.True(d.SignatureValid));
        foreach (var d in got) await WebhookWorld.AssertMatchesSchemaAsync(d.Body);
        Assert.Equal((1, v1.Digest, "demo@prod", "sync"), (got[0].Json.GetProperty("version").GetInt32(),
            got[0].Json.GetProperty("digest").GetString(), got[0].Json.GetProperty("alias").GetString(), got[0].Json.GetProperty("source").GetString()));
        Assert.Contains("v7", got[1].Json.GetProperty("detail").GetString());
        Assert.Equal(1, got[1].Json.GetProperty("version").GetInt32()); // what it still serves
        var log = DeliveryLog.Read(Path.Combine(_w.Serving, ".sync", DeliveryLog.FileName));
        Assert.Equal(got.Select(d => d.Id), log.Select(r => r.Id));
        Assert.All(log, r => Assert.Equal("delivered", r.Result));
    }
}
