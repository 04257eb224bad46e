using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Packaging;

/// <summary>The image in a real Docker engine: loaded from the layout, pulled from the registry, or `docker load`ed from the tarball.</summary>
public sealed class DockerInteropTests
{
    private static Dictionary<string, byte[]> Files()
    {
        var files = ValidatedModel.SmallFiles(9);
        files["weights.bin"] = ValidatedModel.RandomBytes(2 * 1024 * 1024, 13);
        return files;
    }

    private static string Repo() => $"localhost/mp-test-{Guid.NewGuid():N}"[..32];

    private static async Task<string> DockerRunAsync(string image, string command) =>
        await Tools.RunOkAsync("docker", "run", "--rm", "--network", "none", "--user", "1010:1010", "--entrypoint", "/bin/sh", image, "-c", command);

    private static void RemoveImage(string image) => Tools.Run("docker", "rmi", "-f", image);

    [DockerFact]
    public async Task Load_puts_the_layout_image_into_docker_where_uid_1010_reads_every_validated_file()
    {
        await using var registry = await LocalRegistry.StartAsync();
        var baseImage = await BusyboxBase.PushAsync(registry);
        using var world = new TestWorld();
        var repo = Repo();
        ValidatedModel.Configure(world, new { destination = "oci-layout", repository = repo, baseImage, layerSplitBytes = 1024 * 1024 });
        var key = ValidatedModel.Seed(world, "demo", Files());
        try
        {
            var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo", "--load"], ValidatedModel.Env(world));

            Assert.True(run.ExitCode == 0, run.All);
            Assert.Contains("4 file(s) under /models match the validation manifest", run.All, StringComparison.Ordinal);
            var record = ValidatedModel.ReadRecord(world, "demo", key);
            Assert.Empty(record.Warnings);
            var metrics = await DockerRunAsync($"{repo}:{record.Tag}", "cat /models/metrics.json");
            Assert.Equal("""{"accuracy": 0.97}""", metrics);
        }
        finally
        {
            RemoveImage($"{repo}:demo-{key[..12]}");
        }
    }

    [DockerFact]
    public async Task Load_pulls_a_registry_image_by_digest_and_the_smoke_test_catches_files_that_differ_from_the_validation_manifest()
    {
        await using var registry = await LocalRegistry.StartAsync();
        var baseImage = await BusyboxBase.PushAsync(registry);
        using var world = new TestWorld();
        ValidatedModel.Configure(world, new { destination = "registry", repository = $"{registry.Host}/modelzoo", baseImage });
        var key = ValidatedModel.Seed(world, "demo", Files());
        var packaged = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));
        Assert.True(packaged.ExitCode == 0, packaged.All);
        // The image in the registry now differs from what the gate recorded (packaging itself refuses
        // changed files, so the manifest is what changes here): the smoke test must notice.
        var report = Path.Combine(world.ArtifactsDir, "demo", "runs", key, "validate.json");
        var weightsSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Files()["weights.bin"]));
        File.WriteAllText(report, File.ReadAllText(report).Replace(weightsSha, new string('0', 64), StringComparison.Ordinal));
        try
        {
            var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo", "--load"], ValidatedModel.Env(world));

            Assert.Equal(1, run.ExitCode);
            Assert.Contains("/models does not match the validated files", run.All, StringComparison.Ordinal);
            Assert.Contains("weights.bin: sha256", run.All, StringComparison.Ordinal);
        }
        finally
        {
            RemoveImage($"{registry.Host}/modelzoo:demo-{key[..12]}");
        }
    }

    [DockerFact]
    public async Task The_tarball_destination_is_accepted_by_docker_load()
    {
        await using var registry = await LocalRegistry.StartAsync();
        var baseImage = await BusyboxBase.PushAsync(registry);
        using var world = new TestWorld();
        var repo = Repo();
        ValidatedModel.Configure(world, new { destination = "tarball", repository = repo, baseImage, tarballDir = "images" });
        var key = ValidatedModel.Seed(world, "demo", Files());
        var image = $"{repo}:demo-{key[..12]}";
        try
        {
            var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));
            Assert.True(run.ExitCode == 0, run.All);
            var record = ValidatedModel.ReadRecord(world, "demo", key);
            // Inside the project, the record names the tarball relative to the project root.
            Assert.Equal(Path.Combine("images", record.Tag + ".tar"), record.Location);

            var loaded = await Tools.RunOkAsync("docker", "load", "-i", Path.Combine(world.Root, record.Location!));
            Assert.Contains(image, loaded, StringComparison.Ordinal);
            var sums = await DockerRunAsync(image, "cd /models && sha256sum weights.bin");
            Assert.StartsWith(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Files()["weights.bin"])), sums, StringComparison.Ordinal);
        }
        finally
        {
            RemoveImage(image);
        }
    }
}
