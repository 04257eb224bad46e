using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Zoo;

/// <summary>The real example model, trained, validated and packaged by PackageModelCar, published to the embedded default zoo and pulled back.</summary>
public sealed class ZooIrisTests(TrainedIris iris) : IClassFixture<TrainedIris>
{
    [Fact]
    public async Task The_trained_iris_model_is_published_with_a_model_card_and_pulled_back_byte_for_byte()
    {
        using var world = iris.CopyWorld();
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "validate")).ExitCode);
        var package = await Modelpipe.RunAsync(world.Root, "package");
        Assert.True(package.ExitCode == 0, package.All);
        var key = Path.GetFileName(Directory.GetDirectories(Path.Combine(world.ArtifactsDir, "iris", "runs")).Single());
        var digest = world.ReadRun<ModelPipeline.Packaging.PackageRecord>("iris", key, "package").Digest;

        var push = await Modelpipe.RunAsync(world.Root, "push");
        var target = Path.Combine(world.Root, "pulled");
        var pull = await Modelpipe.RunAsync(world.Root, "pull", "iris@latest", "--to", target);

        Assert.True(push.ExitCode == 0, push.All);
        Assert.True(pull.ExitCode == 0, pull.All);
        var primary = Path.Combine(world.Root, ".pipeline", "zoo.git");
        var card = await BareRepo.ShowAsync(primary, "models/iris/v1/README.md");
        Assert.Contains("# iris v1", card);
        Assert.Contains("| accuracy |", card);
        Assert.Contains("| log_loss |", card);
        Assert.Contains("- Run id: `", card);
        Assert.Contains("| iris | file | `", card);
        Assert.Contains("| test-vectors | pass |", card);
        Assert.Contains(digest, card);
        var output = Directory.GetDirectories(Path.Combine(world.ArtifactsDir, "iris", "runs")).Single();
        foreach (var name in new[] { "model.onnx", "metrics.json", "test_vectors.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(output, "output", name)), File.ReadAllBytes(Path.Combine(target, name)));
        Assert.Equal(await BareRepo.TipAsync(primary), await BareRepo.TipAsync(Path.Combine(world.Root, ".pipeline", "zoo-mirror.git")));
        Assert.Equal(digest, new ModelPipeline.Oci.OciLayout(Path.Combine(world.Root, ".pipeline", "oci")).Resolve("iris-v1")?.Digest);
    }
}
