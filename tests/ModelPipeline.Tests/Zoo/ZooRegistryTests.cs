using System.Text.Json;
using ModelPipeline.Tests.Support;
using ModelPipeline.Zoo;

namespace ModelPipeline.Tests.Zoo;

/// <summary>PushMirrors and pull with the image in Debian's docker-registry on 127.0.0.1, packaged by the real PackageModelCar.</summary>
public sealed class ZooRegistryTests
{
    [RegistryFact]
    public async Task A_model_packaged_to_a_registry_is_tagged_vN_and_pulled_back_from_the_registry()
    {
        await using var registry = await LocalRegistry.StartAsync();
        using var world = new TestWorld();
        ValidatedModel.Configure(world, new { destination = "registry", repository = $"{registry.Host}/modelzoo", baseImage = "scratch" });
        var files = ValidatedModel.SmallFiles();
        var key = ValidatedModel.Seed(world, "demo", files);
        var env = ValidatedModel.Env(world);

        var package = await Modelpipe.RunAsync(world.Root, ["package"], env);
        var push = await Modelpipe.RunAsync(world.Root, ["push"], env);
        var target = Path.Combine(world.Root, "pulled");
        var pull = await Modelpipe.RunAsync(world.Root, ["pull", "demo@v1", "--to", target], env);

        Assert.True(package.ExitCode == 0, package.All);
        Assert.True(push.ExitCode == 0, push.All);
        Assert.True(pull.ExitCode == 0, pull.All);
        var record = world.ReadRun<ZooRecord>("demo", key, "zoo");
        Assert.Equal("demo-v1", record.VersionTag);
        var inspect = JsonDocument.Parse(await Tools.RunOkAsync("skopeo", "inspect", "--tls-verify=false", $"docker://{registry.Host}/modelzoo:demo-v1")).RootElement;
        Assert.Equal(record.Digest, inspect.GetProperty("Digest").GetString());
        Assert.Contains($"the registry repository {registry.Host}/modelzoo", pull.StdOut);
        foreach (var (name, data) in files)
            Assert.Equal(data, File.ReadAllBytes(Path.Combine(target, name)));
    }
}
