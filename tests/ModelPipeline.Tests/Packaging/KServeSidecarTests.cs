using System.Security.Cryptography;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Packaging;

/// <summary>
/// The embedded base (<c>busybox-static</c>) gives ModelCars that KServe's modelcar sidecar runs:
/// from the OCI layout loaded into Docker and from a registry push, every validated file is read
/// through <c>/proc/&lt;pid&gt;/root/models</c> by a second container and matches the validation manifest.
/// </summary>
public sealed class KServeSidecarTests
{
    private static Dictionary<string, byte[]> Files()
    {
        var files = ValidatedModel.SmallFiles(21);
        files["weights.bin"] = ValidatedModel.RandomBytes(1024 * 1024, 22);
        return files;
    }

    private static string BusyboxSha() => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes("/bin/busybox")));

    private static object Busybox() => new { path = "/bin/busybox", sha256 = BusyboxSha() };

    private static Dictionary<string, string> Expected() =>
        Files().ToDictionary(f => f.Key, f => Convert.ToHexStringLower(SHA256.HashData(f.Value)), StringComparer.Ordinal);

    [DockerFact]
    public async Task The_embedded_default_loaded_from_the_layout_runs_as_kserves_sidecar_and_serves_every_validated_file()
    {
        using var world = new TestWorld();
        var repo = $"localhost/mp-kserve-{Guid.NewGuid():N}"[..34];
        ValidatedModel.Configure(world, new { destination = "oci-layout", repository = repo, baseImage = "busybox-static", busybox = Busybox() });
        var key = ValidatedModel.Seed(world, "demo", Files());
        var image = $"{repo}:demo-{key[..12]}";
        try
        {
            var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo", "--load"], ValidatedModel.Env(world));

            Assert.True(run.ExitCode == 0, run.All);
            Assert.Empty(ValidatedModel.ReadRecord(world, "demo", key).Warnings);
            Assert.Equal(Expected(), await KServeSidecar.ReadModelsAsync(image));
        }
        finally
        {
            Tools.Run("docker", "rmi", "-f", image);
        }
    }

    [DockerFact]
    public async Task A_registry_push_on_the_embedded_base_runs_as_kserves_sidecar_and_serves_every_validated_file()
    {
        await using var registry = await LocalRegistry.StartAsync();
        using var world = new TestWorld();
        ValidatedModel.Configure(world, new { destination = "registry", repository = $"{registry.Host}/modelzoo", baseImage = "busybox-static", busybox = Busybox() });
        var key = ValidatedModel.Seed(world, "demo", Files());
        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));
        Assert.True(run.ExitCode == 0, run.All);
        var record = ValidatedModel.ReadRecord(world, "demo", key);
        try
        {
            await Tools.RunOkAsync("docker", "pull", "-q", record.Reference);
            Assert.Equal(Expected(), await KServeSidecar.ReadModelsAsync(record.Reference));
        }
        finally
        {
            Tools.Run("docker", "rmi", "-f", record.Reference);
        }
    }
}
