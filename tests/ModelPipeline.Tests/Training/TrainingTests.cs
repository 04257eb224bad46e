using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Training;

public sealed class IrisTrainingTests(TrainedIris iris) : IClassFixture<TrainedIris>
{
    [Fact]
    public void The_example_trainer_writes_a_model_metrics_and_test_vectors()
    {
        using var doc = JsonDocument.Parse(iris.FirstTrain.StdOut);
        var result = doc.RootElement.GetProperty("results")[0];
        Assert.Equal("ok", result.GetProperty("result").GetString());
        // Records name files relative to the project root (a CI job in another folder reads them the same way).
        var output = Path.Combine(iris.World.Root, result.GetProperty("data").GetProperty("outputDir").GetString()!);
        Assert.True(new FileInfo(Path.Combine(output, "model.onnx")).Length > 100);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        Assert.InRange(metrics.RootElement.GetProperty("accuracy").GetDouble(), 0.9, 1.0);
        Assert.Contains("accuracy", iris.FirstTrain.All);
    }

    [Fact]
    public async Task Training_again_with_an_unchanged_key_is_skipped()
    {
        var again = await Modelpipe.RunAsync(iris.World.Root, "train", "--json");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("\"result\": \"skipped\"", again.StdOut);
        Assert.Contains("unchanged; reusing run", again.All);
    }

    [Fact]
    public async Task Changing_a_hyperparameter_changes_the_training_key()
    {
        using var world = iris.CopyWorld();
        var definition = Path.Combine(world.Root, "models", "iris", "model.json");
        var before = await Modelpipe.RunAsync(world.Root, "fetch");
        Assert.Equal(0, before.ExitCode);
        var oldKey = CurrentKey(world);
        File.WriteAllText(definition, File.ReadAllText(definition).Replace("\"epochs\": 400", "\"epochs\": 5"));
        // Validation thresholds are not part of the key; hyperparameters are.
        var train = await Modelpipe.RunAsync(world.Root, "train");
        Assert.Equal(0, train.ExitCode);
        Assert.NotEqual(oldKey, CurrentKey(world));
    }

    [Fact]
    public async Task Changing_only_a_validation_gate_keeps_the_training_key()
    {
        using var world = iris.CopyWorld();
        var definition = Path.Combine(world.Root, "models", "iris", "model.json");
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "fetch")).ExitCode);
        var oldKey = CurrentKey(world);
        File.WriteAllText(definition, File.ReadAllText(definition).Replace("\"min\": 0.9", "\"min\": 0.8"));
        var train = await Modelpipe.RunAsync(world.Root, "train", "--json");
        Assert.Equal(0, train.ExitCode);
        Assert.Contains("\"result\": \"skipped\"", train.StdOut);
        Assert.Equal(oldKey, CurrentKey(world));
    }

    private static string CurrentKey(TestWorld world)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(world.ArtifactsDir, "iris", "current.json")));
        return doc.RootElement.GetProperty("trainingKey").GetString()!;
    }
}
