using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Serving;

/// <summary>A serving host and the zoo's lifecycle states: a yank is not a rollback.</summary>
public sealed class SyncLifecycleTests : IDisposable
{
    private readonly ServingWorld _w = new();

    public void Dispose() => _w.Dispose();

    private async Task Zoo(params string[] args)
    {
        var result = await Modelpipe.RunAsync(_w.Root, ["models", .. args], _w.Env);
        Assert.True(result.ExitCode == 0, result.All);
    }

    [Fact]
    public async Task A_host_serving_a_version_that_is_then_yanked_says_so_loudly_and_keeps_serving_it()
    {
        var v1 = await _w.PublishAsync(1);
        await _w.AliasAsync("prod", 1);
        _w.WriteSync("demo@prod");
        Assert.Equal(0, (await _w.SyncAsync()).ExitCode);

        await Zoo("yank", "demo@v1", "--reason", "wrong labels");
        var pass = await _w.SyncAsync("--json");

        Assert.True(pass.ExitCode == 0, pass.All);
        _w.AssertServes(1, v1);
        Assert.Contains("demo@prod is v1, which is YANKED", pass.StdErr, StringComparison.Ordinal);
        Assert.Contains("This host keeps serving v1: a yank is not a rollback", pass.StdErr, StringComparison.Ordinal);
        var row = JsonDocument.Parse(pass.StdOut).RootElement.GetProperty("results")[0];
        Assert.Equal("warning", row.GetProperty("result").GetString());
        Assert.Contains("wrong labels", _w.Status().GetProperty("entries")[0].GetProperty("warning").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_refuses_to_switch_to_a_yanked_version_unless_it_names_it_exactly_with_allow_yanked()
    {
        var v1 = await _w.PublishAsync(1);
        var v2 = await _w.PublishAsync(2);
        await _w.AliasAsync("prod", 1);
        _w.WriteSync("demo@prod");
        Assert.Equal(0, (await _w.SyncAsync()).ExitCode);
        await Zoo("yank", "demo@v2", "--reason", "leaks test data");
        await _w.AliasAsync("prod", 2);

        var refused = await _w.SyncAsync("--allow-yanked");

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("demo@prod is v2: demo v2 is yanked since", refused.All, StringComparison.Ordinal);
        Assert.Contains($"demo still serves {ServingWorld.VersionName(1, v1)}", refused.All, StringComparison.Ordinal);
        _w.AssertServes(1, v1);

        _w.WriteSync("demo@v2");
        Assert.Equal(2, (await _w.SyncAsync()).ExitCode);
        _w.AssertServes(1, v1);
        var allowed = await _w.SyncAsync("--allow-yanked");
        Assert.True(allowed.ExitCode == 0, allowed.All);
        _w.AssertServes(2, v2);
        Assert.Contains("served because --allow-yanked was given", allowed.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deprecated_version_is_served_with_a_warning()
    {
        var v1 = await _w.PublishAsync(1);
        await _w.AliasAsync("prod", 1);
        await Zoo("deprecate", "demo@v1", "--reason", "v2 is coming");
        _w.WriteSync("demo@prod");

        var pass = await _w.SyncAsync();

        Assert.True(pass.ExitCode == 0, pass.All);
        _w.AssertServes(1, v1);
        Assert.Contains("demo@prod is v1, which is deprecated since", pass.All, StringComparison.Ordinal);
    }
}
