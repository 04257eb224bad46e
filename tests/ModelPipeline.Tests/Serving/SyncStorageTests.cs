using System.Diagnostics;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Serving;

/// <summary>Where the bytes come from and go to fails: the registry is down, the disk fills up while staging.</summary>
public sealed class SyncStorageTests : IDisposable
{
    private readonly ServingWorld _w = new();

    public void Dispose() => _w.Dispose();

    /// <summary>Packages <paramref name="files"/> with the real PackageModelCar (destination from pipeline.json) and pushes it to the zoo.</summary>
    private async Task<Dictionary<string, byte[]>> PackageAndPushAsync(Dictionary<string, byte[]> files)
    {
        ValidatedModel.Seed(_w.World, "demo", files);
        var env = ValidatedModel.Env(_w.World);
        foreach (var verb in new[] { "package", "push" })
        {
            var result = await Modelpipe.RunAsync(_w.Root, [verb], env);
            Assert.True(result.ExitCode == 0, result.All);
        }
        return files;
    }

    [RegistryFact]
    public async Task When_the_registry_is_down_the_host_keeps_serving_and_reports_it()
    {
        var registry = await LocalRegistry.StartAsync();
        try
        {
            ValidatedModel.Configure(_w.World, new { destination = "registry", repository = $"{registry.Host}/modelzoo", baseImage = "scratch" }, new { retries = 0, timeoutSeconds = 10 });
            foreach (var (k, v) in ValidatedModel.Env(_w.World)) _w.Env[k] = v;
            var v1 = await PackageAndPushAsync(ValidatedModel.SmallFiles(1));
            _w.WriteSync("demo@latest", layout: null);
            var first = await _w.SyncAsync();
            Assert.True(first.ExitCode == 0, first.All);
            Assert.Contains($"the registry repository {registry.Host}/modelzoo", first.All);
            await PackageAndPushAsync(ValidatedModel.SmallFiles(2));

            await registry.DisposeAsync();
            var down = await _w.SyncAsync();

            Assert.Equal(1, down.ExitCode);
            Assert.Contains("demo@latest v2: ", down.All);
            Assert.Contains(registry.Host, down.All);
            var served = Assert.Single(_w.ModelEntries(), e => e.StartsWith("v1-", StringComparison.Ordinal));
            Assert.Equal(served, _w.Current);
            Assert.Contains($"demo still serves {served}", down.All);
            foreach (var (name, data) in v1) Assert.Equal(data, File.ReadAllBytes(Path.Combine(_w.CurrentLink, name)));
            Assert.Equal(["current", served], _w.ModelEntries());
        }
        finally
        {
            await registry.DisposeAsync();
        }
    }

    [RootFact]
    public async Task A_full_disk_while_staging_leaves_current_as_it_was_and_no_staging_behind()
    {
        var v1 = await PackageAndPushAsync(ValidatedModel.SmallFiles(1));
        var big = ValidatedModel.SmallFiles(2);
        big["model.onnx"] = ValidatedModel.RandomBytes(6 * 1024 * 1024, 2);
        await PackageAndPushAsync(big);
        // The serving root on its own small file system: v1 fits, v2's weights do not.
        Directory.CreateDirectory(_w.Serving);
        var mount = Process.Start("mount", ["-t", "tmpfs", "-o", "size=3m,mode=0755", "tmpfs", _w.Serving])!;
        await mount.WaitForExitAsync();
        Assert.Equal(0, mount.ExitCode);
        try
        {
            _w.WriteSync("demo@v1");
            Assert.Equal(0, (await _w.SyncAsync()).ExitCode);
            _w.WriteSync("demo@v2");

            var full = await _w.SyncAsync();

            Assert.Equal(1, full.ExitCode);
            Assert.Contains("No space left on device", full.All);
            var served = Assert.Single(_w.ModelEntries(), e => e.StartsWith("v1-", StringComparison.Ordinal));
            Assert.Contains($"demo still serves {served}", full.All);
            Assert.Equal(["current", served], _w.ModelEntries());
            foreach (var (name, data) in v1) Assert.Equal(data, File.ReadAllBytes(Path.Combine(_w.CurrentLink, name)));
            Assert.Contains("No space left on device", _w.Status().GetProperty("lastError").GetString());
        }
        finally
        {
            Process.Start("umount", ["-l", _w.Serving])!.WaitForExit();
        }
    }
}

/// <summary>A test that mounts a file system: needs root; skipped with the reason otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root") Skip = "needs root to mount a small tmpfs (CI and ./build.sh Test run as root)";
    }
}
