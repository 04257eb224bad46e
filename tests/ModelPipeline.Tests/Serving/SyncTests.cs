using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Serving;

/// <summary>A serving host following iris@prod-style aliases through the real modelpipe process, a real git zoo and an OCI layout.</summary>
public sealed class SyncTests : IDisposable
{
    private readonly ServingWorld _w = new();

    public void Dispose() => _w.Dispose();

    [Fact]
    public async Task Following_an_alias_switches_current_when_the_alias_moves_and_keeps_the_previous_version()
    {
        var v1 = await _w.PublishAsync(1);
        var v2 = await _w.PublishAsync(2);
        var v3 = await _w.PublishAsync(3);
        await _w.AliasAsync("prod", 1);
        _w.WriteSync("demo@prod", keep: 1);

        var first = await _w.SyncAsync("--once", "--json");

        Assert.True(first.ExitCode == 0, first.All);
        _w.AssertServes(1, v1);
        var doc = JsonDocument.Parse(first.StdOut).RootElement;
        Assert.Equal("sync", doc.GetProperty("command").GetString());
        Assert.Equal(0, doc.GetProperty("exitCode").GetInt32());
        var row = doc.GetProperty("results")[0];
        Assert.Equal("ok", row.GetProperty("result").GetString());
        Assert.Equal("switched", row.GetProperty("data").GetProperty("result").GetString());
        Assert.Equal(ServingWorld.VersionName(1, v1), row.GetProperty("data").GetProperty("serving").GetString());

        await _w.AliasAsync("prod", 2);
        var second = await _w.SyncAsync();

        Assert.True(second.ExitCode == 0, second.All);
        _w.AssertServes(2, v2);
        Assert.Equal(["current", ServingWorld.VersionName(1, v1), ServingWorld.VersionName(2, v2)], _w.ModelEntries());
        var status = _w.Status().GetProperty("entries")[0];
        Assert.Equal(ServingWorld.VersionName(2, v2), status.GetProperty("serving").GetString());
        Assert.Equal(2, status.GetProperty("version").GetInt32());
        Assert.Equal(v2.Digest, status.GetProperty("digest").GetString());

        var unchanged = await _w.SyncAsync("--json");
        Assert.True(unchanged.ExitCode == 0, unchanged.All);
        Assert.Equal("skipped", JsonDocument.Parse(unchanged.StdOut).RootElement.GetProperty("results")[0].GetProperty("result").GetString());

        // prod moves on to v3: v2 is kept (keep 1), v1 goes.
        await _w.AliasAsync("prod", 3);
        var third = await _w.SyncAsync();

        Assert.True(third.ExitCode == 0, third.All);
        _w.AssertServes(3, v3);
        Assert.Equal(["current", ServingWorld.VersionName(2, v2), ServingWorld.VersionName(3, v3)], _w.ModelEntries());
        Assert.Contains($"removed {ServingWorld.VersionName(1, v1)}", third.StdOut + third.StdErr);
    }
}
