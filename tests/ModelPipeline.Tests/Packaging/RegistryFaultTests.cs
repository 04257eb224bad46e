using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Packaging;

/// <summary>
/// Failures injected by a loopback proxy in front of the real registry: every scenario must end
/// in a correct push (the digest skopeo reads equals the digest of a push without faults).
/// </summary>
public sealed class RegistryFaultTests
{
    private static Dictionary<string, byte[]> Files()
    {
        var files = ValidatedModel.SmallFiles(3);
        files["weights.bin"] = ValidatedModel.RandomBytes(4 * 1024 * 1024, 5);
        return files;
    }

    private static async Task<(string Digest, string Output, List<string> Log)> PushThroughFaultsAsync(Action<FaultProxy> inject)
    {
        await using var registry = await LocalRegistry.StartAsync();
        await using var proxy = await FaultProxy.StartAsync(registry.Host);
        inject(proxy);
        using var world = new TestWorld();
        ValidatedModel.Configure(world, new { destination = "registry", repository = $"{proxy.Host}/modelzoo", layerSplitBytes = 1024 * 1024 },
            new { retries = 3 });
        var key = ValidatedModel.Seed(world, "demo", Files());

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));

        Assert.True(run.ExitCode == 0, run.All);
        var record = ValidatedModel.ReadRecord(world, "demo", key);
        var inspect = JsonDocument.Parse(await Tools.RunOkAsync("skopeo", "inspect", "--tls-verify=false", $"docker://{registry.Host}/modelzoo:{record.Tag}")).RootElement;
        Assert.Equal(record.Digest, inspect.GetProperty("Digest").GetString());
        return (record.Digest, run.All, proxy.Log);
    }

    [RegistryFact]
    public async Task A_registry_that_fails_twice_with_500_then_succeeds_ends_in_a_correct_push()
    {
        var clean = await PushThroughFaultsAsync(_ => { });
        var faulty = await PushThroughFaultsAsync(p => p.Fail("PATCH", "/blobs/uploads/", times: 2, status: 500));

        Assert.Equal(clean.Digest, faulty.Digest);
        Assert.Contains("retry 2 of 3", faulty.Output, StringComparison.Ordinal);
    }

    [RegistryFact]
    public async Task A_429_with_Retry_After_is_honoured_and_the_push_completes()
    {
        var clean = await PushThroughFaultsAsync(_ => { });
        var limited = await PushThroughFaultsAsync(p => p.Fail("PUT", "/manifests/", times: 1, status: 429, retryAfterSeconds: 1));

        Assert.Equal(clean.Digest, limited.Digest);
        Assert.Contains("retry 1 of 3 in 1 s", limited.Output, StringComparison.Ordinal);
    }

    [RegistryFact]
    public async Task A_connection_cut_in_the_middle_of_a_layer_upload_restarts_the_upload_and_completes()
    {
        var clean = await PushThroughFaultsAsync(_ => { });
        var cut = await PushThroughFaultsAsync(p => p.Fail("PATCH", "/blobs/uploads/", times: 1, status: 0, cutAfterBytes: 1024 * 1024));

        Assert.Equal(clean.Digest, cut.Digest);
        Assert.Contains("retry 1 of 3", cut.Output, StringComparison.Ordinal);
        // The retry opened a new upload session and sent the whole body again.
        Assert.True(cut.Log.Count(l => l.StartsWith("POST /v2/modelzoo/blobs/uploads/", StringComparison.Ordinal)) > clean.Log.Count(l => l.StartsWith("POST /v2/modelzoo/blobs/uploads/", StringComparison.Ordinal)));
    }

    [RegistryFact]
    public async Task A_registry_that_keeps_failing_gives_up_after_the_configured_retries_with_a_clear_error()
    {
        await using var registry = await LocalRegistry.StartAsync();
        await using var proxy = await FaultProxy.StartAsync(registry.Host);
        proxy.Fail("POST", "/blobs/uploads/", times: 100, status: 503);
        using var world = new TestWorld();
        ValidatedModel.Configure(world, new { destination = "registry", repository = $"{proxy.Host}/modelzoo" }, new { retries = 1 });
        var key = ValidatedModel.Seed(world, "demo", Files());

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("kept failing after 2 attempt(s)", run.All, StringComparison.Ordinal);
        Assert.Contains("503", run.All, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(world.ArtifactsDir, "demo", "runs", key, "package.json")));
    }

    [Fact]
    public async Task An_unreachable_registry_fails_with_exit_code_1_and_no_record()
    {
        using var world = new TestWorld();
        ValidatedModel.Configure(world, new { destination = "registry", repository = $"127.0.0.1:{Tools.FreePort()}/modelzoo" }, new { retries = 0 });
        var key = ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("is unreachable", run.All, StringComparison.Ordinal);
        Assert.Contains("Fix:", run.All, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(world.ArtifactsDir, "demo", "runs", key, "package.json")));
    }
}
