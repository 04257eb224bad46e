using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Validation;

public sealed class ValidationTests(TrainedIris iris) : IClassFixture<TrainedIris>
{
    private static string Output(TestWorld world)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(world.ArtifactsDir, "iris", "current.json")));
        return Path.Combine(world.ArtifactsDir, "iris", "runs", doc.RootElement.GetProperty("trainingKey").GetString()!, "output");
    }

    private static JsonDocument Report(TestWorld world) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(Output(world))!, "validate.json")));

    [Fact]
    public async Task The_real_model_passes_every_check_with_onnx_runtime()
    {
        using var world = iris.CopyWorld();
        var result = await Modelpipe.RunAsync(world.Root, "validate");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("pass test-vectors: 30 test vector(s) within tolerance", result.StdOut);
        using var report = Report(world);
        Assert.True(report.RootElement.GetProperty("passed").GetBoolean());
        var manifest = report.RootElement.GetProperty("manifest").EnumerateArray().ToList();
        Assert.Equal(["metrics.json", "model.onnx", "test_vectors.json"], manifest.Select(m => m.GetProperty("path").GetString()));
        Assert.All(manifest, m => Assert.Matches("^[0-9a-f]{64}$", m.GetProperty("sha256").GetString()));
    }

    [Fact]
    public async Task A_corrupted_onnx_file_fails_the_gate_with_exit_1()
    {
        using var world = iris.CopyWorld();
        var onnx = Path.Combine(Output(world), "model.onnx");
        var bytes = File.ReadAllBytes(onnx);
        File.WriteAllBytes(onnx, bytes[..(bytes.Length / 3)]);
        var result = await Modelpipe.RunAsync(world.Root, "validate");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("failed the validation gate", result.All);
        Assert.Contains("onnx-load: ONNX Runtime cannot load model.onnx", result.All);
        using var report = Report(world);
        Assert.False(report.RootElement.GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task A_metric_below_its_threshold_and_a_missing_file_are_both_reported()
    {
        using var world = iris.CopyWorld();
        var definition = Path.Combine(world.Root, "models", "iris", "model.json");
        File.WriteAllText(definition, File.ReadAllText(definition).Replace("\"min\": 0.9", "\"min\": 0.99"));
        File.Delete(Path.Combine(Output(world), "test_vectors.json"));
        var result = await Modelpipe.RunAsync(world.Root, "validate");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("metrics: accuracy = 0.966667 is below the minimum 0.99", result.All);
        Assert.Contains("expected-files: missing: test_vectors.json", result.All);
    }

    [Fact]
    public async Task Test_vectors_that_disagree_with_the_model_fail_the_gate()
    {
        using var world = iris.CopyWorld();
        var vectors = Path.Combine(Output(world), "test_vectors.json");
        var json = File.ReadAllText(vectors);
        var start = json.IndexOf("\"probabilities\":{\"shape\":[30,3],\"data\":[", StringComparison.Ordinal);
        Assert.True(start > 0);
        var at = json.IndexOf('[', json.IndexOf("\"data\":", start, StringComparison.Ordinal)) + 1;
        File.WriteAllText(vectors, json[..at] + "0.5," + json[(json.IndexOf(',', at) + 1)..]);
        var result = await Modelpipe.RunAsync(world.Root, "validate");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("test-vectors: output 'probabilities'[0]", result.All);
    }

    [Fact]
    public async Task A_file_over_the_size_limit_fails_the_gate()
    {
        using var world = iris.CopyWorld();
        var definition = Path.Combine(world.Root, "models", "iris", "model.json");
        File.WriteAllText(definition, File.ReadAllText(definition).Replace("\"maxFileBytes\": 10485760", "\"maxFileBytes\": 100"));
        var result = await Modelpipe.RunAsync(world.Root, "validate");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("over $.validation.maxFileBytes 100", result.All);
    }

    [Fact]
    public void Steps_after_the_gate_refuse_a_model_that_failed_it()
    {
        using var world = iris.CopyWorld();
        var state = new ModelPipeline.RunState.RunStateStore(world.ArtifactsDir);
        var key = state.CurrentKey("iris")!;
        state.WriteRun("iris", key, "validate", new ModelPipeline.Validation.ValidationReport
        {
            Model = "iris",
            TrainingKey = key,
            Passed = false,
            Checks = [new("metrics", false, "accuracy too low")],
            Manifest = [],
        });
        var ex = Assert.Throws<ModelPipeline.Errors.OperationFailedException>(() => state.RequireValidated("iris"));
        Assert.Contains("failed the validation gate (metrics); refusing to continue", ex.Message);
    }
}
