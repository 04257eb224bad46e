using System.Text;
using System.Text.Json.Nodes;
using ModelPipeline.Inference;
using ModelPipeline.Packaging;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Inference;

/// <summary>The ServeCheck step on the real iris model: the packaged image served over HTTP before the test pin.</summary>
public sealed class ServeCheckTests(TrainedIris iris) : IClassFixture<TrainedIris>
{
    [Fact]
    public async Task The_serving_check_serves_the_packaged_image_publishes_its_verdict_and_a_reused_version_keeps_it()
    {
        using var world = iris.CopyWorld();
        await RunAsync(world, "validate", "package");
        var key = Key(world);
        var vectors = JsonNode.Parse(File.ReadAllText(Path.Combine(world.ArtifactsDir, "iris", "runs", key, "output", "test_vectors.json")))!;
        var rows = (int)vectors["inputs"]!["input"]!["shape"]![0]!;

        var check = await Modelpipe.RunAsync(world.Root, "serve-check");
        await RunAsync(world, "push");

        Assert.True(check.ExitCode == 0, check.All);
        var record = world.ReadRun<ServingCheckRecord>("iris", key, "serve-check");
        Assert.Equal("passed", record.Status);
        Assert.Equal(world.ReadRun<PackageRecord>("iris", key, "package").Digest, record.Digest);
        Assert.Equal((rows, rows), (record.Vectors, record.Requests));
        Assert.True(record.P50Ms > 0 && record.P95Ms >= record.P50Ms, $"p50 {record.P50Ms}, p95 {record.P95Ms}");
        Assert.True(record.LargestDifference <= 1e-4);
        Assert.Contains($"{rows} test vector(s) in {rows} request(s) within tolerance 0.0001", check.StdOut);
        var published = JsonNode.Parse(await BareRepo.ShowAsync(Path.Combine(world.Root, ".pipeline", "zoo.git"), "models/iris/v1/validation.json"))!;
        Assert.Equal("passed", (string)published["serving"]!["status"]!);
        Assert.Equal(record.P95Ms, (double)published["serving"]!["p95Ms"]!);
        await RunAsync(world, "report");
        var page = Reporting.ReportRenderingTests.Text(File.ReadAllText(Path.Combine(world.ArtifactsDir, "report", "models", "iris.html")));
        var p50 = record.P50Ms!.Value.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        var p95 = record.P95Ms!.Value.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"Serving check passed latency p50 {p50} ms, p95 {p95} ms over {rows} request(s)", page);

        // A fresh workspace (no artifacts/) finds the key published as v1: its recorded verdict stands, nothing is served.
        Directory.Delete(world.ArtifactsDir, recursive: true);
        await RunAsync(world, "fetch", "train", "validate", "package");
        var reused = await Modelpipe.RunAsync(world.Root, "serve-check");

        Assert.True(reused.ExitCode == 0, reused.All);
        Assert.Contains("v1 was published with a serving check verdict (passed): it stands", reused.StdOut);
        Assert.DoesNotContain("sending the test vectors", reused.StdOut);
        var again = world.ReadRun<ServingCheckRecord>("iris", key, "serve-check");
        Assert.Equal((record.Status, record.P50Ms, record.P95Ms, "zoo v1: recorded verdict"), (again.Status, again.P50Ms, again.P95Ms, again.From));
    }

    [Fact]
    public async Task The_serving_check_blocks_an_image_whose_onnx_file_differs_from_the_validated_one()
    {
        using var world = iris.CopyWorld();
        await RunAsync(world, "validate", "package");
        var key = Key(world);
        var output = Path.Combine(world.ArtifactsDir, "iris", "runs", key, "output");
        var files = Directory.GetFiles(output).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        // The ONNX file swapped: the same graph with another producer version (a valid model, not the validated bytes).
        var onnx = files["model.onnx"];
        var at = Encoding.ASCII.GetString(onnx).IndexOf(key[..8], StringComparison.Ordinal);
        Assert.True(at > 0);
        onnx[at] = (byte)(onnx[at] == (byte)'0' ? '1' : '0');
        var layout = Path.Combine(world.Root, ".pipeline", "oci");
        var swapped = await OciLayoutWriter.WriteModelImageAsync(layout, files, "iris-swapped");
        var package = world.ReadRun<PackageRecord>("iris", key, "package");
        new ModelPipeline.RunState.RunStateStore(world.ArtifactsDir).WriteRun("iris", key, "package",
            package with { Digest = swapped, Reference = $"{package.Repository}@{swapped}", StorageUri = $"oci://{package.Repository}@{swapped}" });

        var check = await Modelpipe.RunAsync(world.Root, "serve-check");
        var push = await Modelpipe.RunAsync(world.Root, "push");

        Assert.Equal(1, check.ExitCode);
        Assert.Contains($"model 'iris': the packaged image {package.Repository}@{swapped} failed the serving check; it is not published or pinned", check.All);
        Assert.Contains("model.onnx: sha256", check.All);
        Assert.Contains("differs from the validation manifest's", check.All);
        Assert.Equal("failed", world.ReadRun<ServingCheckRecord>("iris", key, "serve-check").Status);
        Assert.Equal(1, push.ExitCode);
        Assert.Contains("model 'iris' failed the serving check; refusing to publish it", push.All);
        Assert.Null(await BareRepo.TipAsync(Path.Combine(world.Root, ".pipeline", "zoo.git"))); // nothing published
        Assert.False(File.Exists(Path.Combine(world.ArtifactsDir, "iris", "runs", key, "zoo.json")));
    }

    [Fact]
    public async Task A_model_json_turns_the_serving_check_off_only_with_a_reason()
    {
        using var world = iris.CopyWorld();
        var path = Path.Combine(world.Root, "models", "iris", "model.json");
        var definition = JsonNode.Parse(File.ReadAllText(path))!;
        definition["serving"]!["check"] = new JsonObject { ["enabled"] = false };
        File.WriteAllText(path, definition.ToJsonString());

        var refused = await Modelpipe.RunAsync(world.Root, "check");
        definition["serving"]!["check"]!["reason"] = "served by a custom Triton backend, checked in its own suite";
        File.WriteAllText(path, definition.ToJsonString());
        await RunAsync(world, "validate", "package");
        var off = await Modelpipe.RunAsync(world.Root, "serve-check");

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("$.serving.check.reason", refused.All);
        Assert.Contains("turning the serving check off needs a reason", refused.All);
        Assert.True(off.ExitCode == 0, off.All);
        var record = world.ReadRun<ServingCheckRecord>("iris", Key(world), "serve-check");
        Assert.Equal(("off", "served by a custom Triton backend, checked in its own suite"), (record.Status, record.Reason));
    }

    private static string Key(TestWorld world) => Path.GetFileName(Directory.GetDirectories(Path.Combine(world.ArtifactsDir, "iris", "runs")).Single());

    private static async Task RunAsync(TestWorld world, params string[] verbs)
    {
        foreach (var verb in verbs)
        {
            var result = await Modelpipe.RunAsync(world.Root, verb);
            Assert.True(result.ExitCode == 0, $"{verb}: {result.All}");
        }
    }
}
