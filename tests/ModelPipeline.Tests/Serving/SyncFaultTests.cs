using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Serving;

/// <summary>Faults during a pass: each gives the documented outcome and the host keeps serving what it served.</summary>
public sealed class SyncFaultTests : IDisposable
{
    private readonly ServingWorld _w = new();

    public void Dispose() => _w.Dispose();

    [Fact]
    public async Task When_the_zoo_is_down_the_host_keeps_serving_reports_it_and_catches_up_later()
    {
        var token = "zoo-" + Guid.NewGuid().ToString("N");
        await using var server = await GitHttpServer.StartAsync(Path.Combine(_w.Root, "served"), token);
        var url = await server.CreateRepoAsync("zoo.git");
        File.WriteAllText(Path.Combine(_w.Root, "pipeline.json"), $$"""{ "zoo": { "url": "{{url}}", "tokenEnv": "ZOO_TOKEN", "mirrors": [] } }""");
        _w.Env["ZOO_TOKEN"] = token;
        _w.Zoo = new { url, tokenEnv = "ZOO_TOKEN" };
        _w.ZooBare = Path.Combine(_w.Root, "served", "zoo.git");
        var v1 = await _w.PublishAsync(1);
        var v2 = await _w.PublishAsync(2);
        await _w.AliasAsync("prod", 1);
        _w.WriteSync("demo@prod");
        Assert.Equal(0, (await _w.SyncAsync()).ExitCode);
        await _w.AliasAsync("prod", 2);

        server.FailWith = 503;
        var down = await _w.SyncAsync();

        Assert.Equal(1, down.ExitCode);
        Assert.Contains($"demo@prod: the zoo {url} could not be read", down.All);
        Assert.Contains($"demo still serves {ServingWorld.VersionName(1, v1)}", down.All);
        Assert.DoesNotContain(token, down.All);
        _w.AssertServes(1, v1);
        var status = _w.Status();
        Assert.Equal(1, status.GetProperty("lastPass").GetProperty("exitCode").GetInt32());
        Assert.Contains("could not be read", status.GetProperty("lastError").GetString());
        Assert.Equal(ServingWorld.VersionName(1, v1), status.GetProperty("entries")[0].GetProperty("serving").GetString());

        server.FailWith = null;
        var back = await _w.SyncAsync();

        Assert.True(back.ExitCode == 0, back.All);
        _w.AssertServes(2, v2);
        Assert.False(_w.Status().TryGetProperty("lastError", out _));
    }

    [Fact]
    public async Task A_tampered_blob_is_discarded_and_current_stays_on_the_version_it_served()
    {
        var v1 = await _w.PublishAsync(1);
        var v2 = await _w.PublishAsync(2);
        _w.WriteSync("demo@v1");
        Assert.Equal(0, (await _w.SyncAsync()).ExitCode);
        var layer = OciLayoutWriter.BlobPath(_w.Layout, OciLayoutWriter.Layers(_w.Layout, v2.Digest).Single());
        var bytes = File.ReadAllBytes(layer);
        bytes[^10] ^= 0x55;
        File.WriteAllBytes(layer, bytes);
        _w.WriteSync("demo@v2");

        var result = await _w.SyncAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("digest mismatch", result.All);
        Assert.Contains($"demo still serves {ServingWorld.VersionName(1, v1)}", result.All);
        _w.AssertServes(1, v1);
        Assert.Equal(["current", ServingWorld.VersionName(1, v1)], _w.ModelEntries());
    }

    [Fact]
    public async Task A_zoo_entry_whose_file_path_leaves_the_root_is_refused_and_nothing_is_written()
    {
        var v1 = await _w.PublishAsync(1);
        await _w.PublishAsync(2);
        _w.WriteSync("demo@v1");
        Assert.Equal(0, (await _w.SyncAsync()).ExitCode);
        // A hostile zoo writer publishes v3 (ledger line and indexes in order) whose manifest lists a file outside its folder.
        var clone = Path.Combine(_w.Root, "edit");
        await BareRepo.GitAsync(_w.Root, "clone", "--quiet", _w.ZooBare, clone);
        var v3 = Path.Combine(clone, "models", "demo", "v3");
        Directory.CreateDirectory(v3);
        foreach (var file in Directory.GetFiles(Path.Combine(clone, "models", "demo", "v2"))) File.Copy(file, Path.Combine(v3, Path.GetFileName(file)));
        var manifest = Path.Combine(v3, "manifest.json");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"path\": \"metrics.json\"", "\"path\": \"../../../escaped.txt\"", StringComparison.Ordinal)
            .Replace("\"version\": 2", "\"version\": 3", StringComparison.Ordinal));
        ModelPipeline.Zoo.ZooLedger.Append(clone, "demo", [3]);
        ModelPipeline.Zoo.ZooIndexer.Write(clone, "demo");
        await BareRepo.GitAsync(clone, "add", "--all");
        await BareRepo.GitAsync(clone, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "hostile");
        await BareRepo.GitAsync(clone, "push", "--quiet", "origin", "HEAD:main");
        _w.WriteSync("demo@v3");

        var result = await _w.SyncAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("lists the file '../../../escaped.txt', which contains '..'", result.All);
        Assert.Contains("it would leave the serving root; refused", result.All);
        _w.AssertServes(1, v1);
        Assert.Equal(["current", ServingWorld.VersionName(1, v1)], _w.ModelEntries());
        Assert.Empty(Directory.EnumerateFiles(_w.Root, "escaped.txt", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_model_folder_that_links_out_of_the_root_is_refused()
    {
        await _w.PublishAsync(1);
        var outside = Path.Combine(_w.Root, "outside");
        Directory.CreateDirectory(outside);
        Directory.CreateDirectory(_w.Serving);
        Directory.CreateSymbolicLink(Path.Combine(_w.Serving, "demo"), outside);
        _w.WriteSync("demo@v1");

        var result = await _w.SyncAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"the folder of demo ({Path.Combine(_w.Serving, "demo")}) resolves to {outside}, outside the serving root", result.All);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
    }

    [Fact]
    public async Task A_failing_hook_is_reported_the_switch_stays_and_the_hook_is_retried_until_it_succeeds()
    {
        var v1 = await _w.PublishAsync(1);
        var log = Path.Combine(_w.Root, "hook.log");
        var ok = Path.Combine(_w.Root, "server-ready");
        _w.WriteSync("demo@v1", extra: new Dictionary<string, object>
        {
            ["hook"] = new { command = new[] { "sh", "-c", $"echo \"$MODELPIPE_SYNC_MODEL v$MODELPIPE_SYNC_VERSION $MODELPIPE_SYNC_PATH\" >> '{log}'; test -f '{ok}'" } },
        });

        var failed = await _w.SyncAsync();

        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("demo: the hook 'sh -c", failed.All);
        Assert.Contains("exited with code 1; the switch to v1 stays and the hook runs again at the next pass", failed.All);
        _w.AssertServes(1, v1);
        var entry = _w.Status().GetProperty("entries")[0];
        Assert.False(entry.TryGetProperty("hookRanFor", out _));
        Assert.Contains("exited with code 1", entry.GetProperty("lastError").GetString());

        File.WriteAllText(ok, "");
        var retried = await _w.SyncAsync();
        var again = await _w.SyncAsync();

        Assert.True(retried.ExitCode == 0, retried.All);
        Assert.True(again.ExitCode == 0, again.All);
        var line = $"demo v1 {Path.Combine(_w.Serving, "demo", ServingWorld.VersionName(1, v1))}";
        Assert.Equal([line, line], File.ReadAllLines(log));
        Assert.Equal(ServingWorld.VersionName(1, v1), _w.Status().GetProperty("entries")[0].GetProperty("hookRanFor").GetString());
    }
}
