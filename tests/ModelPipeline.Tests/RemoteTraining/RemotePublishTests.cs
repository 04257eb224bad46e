using System.Text.Json.Nodes;
using ModelPipeline.Tests.Support;
using ModelPipeline.Zoo;

namespace ModelPipeline.Tests.RemoteTraining;

/// <summary>
/// The example iris model trained "remotely" (its real trained files played back by the fakes)
/// published end to end through the real CLI exactly like a local one: train, validate, package, push.
/// </summary>
public sealed class RemotePublishTests(TrainedIris iris) : IClassFixture<TrainedIris>
{
    private string TrainedOutput => Path.Combine(Directory.GetDirectories(Path.Combine(iris.World.ArtifactsDir, "iris", "runs")).Single(), "output");

    /// <summary>A world with the iris model under <paramref name="name"/>, its data from a URL, trained on <paramref name="backend"/>.</summary>
    private static TestWorld IrisWorld(string name, string backend, string dataBase, JsonObject options)
    {
        var world = new TestWorld();
        var source = Path.Combine(TestWorld.RepoRoot(), "models", "iris", "model.json");
        var model = JsonNode.Parse(File.ReadAllText(source))!.AsObject();
        model["name"] = name;
        model["data"] = new JsonArray(new JsonObject { ["name"] = "iris", ["url"] = $"{dataBase}data/iris.csv", ["sha256"] = RemoteKit.Sha256(IrisCsv) });
        model["training"] = new JsonObject { ["backend"] = backend, ["timeoutSeconds"] = 120, ["hyperparameters"] = model["training"]!["hyperparameters"]!.DeepClone(), ["options"] = options };
        world.WriteModel(name, model.ToJsonString());
        return world;
    }

    private static byte[] IrisCsv => File.ReadAllBytes(Path.Combine(TestWorld.RepoRoot(), "models", "iris", "data", "iris.csv"));

    private static async Task PublishAsync(TestWorld world, string name, string expectedBackend)
    {
        foreach (var verb in new[] { "fetch", "train", "validate", "package", "push" })
        {
            var result = await Modelpipe.RunAsync(world.Root, [verb, "--model", name], RemoteKit.Env);
            Assert.True(result.ExitCode == 0, $"{verb}: {result.All}");
        }
        var manifest = System.Text.Json.JsonSerializer.Deserialize<VersionManifest>(
            await BareRepo.ShowAsync(Path.Combine(world.Root, ".pipeline", "zoo.git"), $"models/{name}/v1/manifest.json"), ModelPipeline.RunState.RunStateStore.Json)!;
        Assert.Equal(expectedBackend, manifest.TrainingBackend);
        Assert.NotNull(manifest.TrainingRunId);
        Assert.NotNull(manifest.TrainingRunUrl);
        var card = await BareRepo.ShowAsync(Path.Combine(world.Root, ".pipeline", "zoo.git"), $"models/{name}/v1/README.md");
        Assert.Contains($"- Backend: {expectedBackend}", card);
        Assert.Contains($"- Run: <{manifest.TrainingRunUrl}>", card);
        Assert.Contains("| test-vectors | pass |", card);

        // A second Train of the same key is skipped: nothing is submitted again.
        var again = await Modelpipe.RunAsync(world.Root, ["train", "--model", name], RemoteKit.Env);
        Assert.Contains("skipped", again.All);
    }

    [S3rverFact]
    public async Task A_kfp_trained_model_publishes_end_to_end_from_its_output_artifact()
    {
        await using var kfp = await FakeKfp.StartAsync(RemoteKit.KfpToken);
        await using var s3 = await S3rver.StartAsync();
        kfp.Data["iris.csv"] = IrisCsv;
        kfp.ArtifactUri = "minio://models/v2/artifacts/train-iris/run-1/train/model";
        kfp.OnCreated = async _ =>
        {
            foreach (var file in Directory.EnumerateFiles(TrainedOutput))
                await s3.PutAsync($"v2/artifacts/train-iris/run-1/train/model/{Path.GetFileName(file)}", file);
        };
        using var world = IrisWorld("iris-kfp", "kfp", kfp.BaseUrl, new JsonObject { ["pipelineId"] = "pl-1" });
        RemoteKit.WritePipeline(world, kfpEndpoint: kfp.BaseUrl, s3: s3.Endpoint);

        await PublishAsync(world, "iris-kfp", "kfp");

        Assert.Single(kfp.Created);
        Assert.Empty(kfp.Failures);
    }

    [Fact]
    public async Task A_runpod_trained_model_publishes_end_to_end_from_its_archive()
    {
        await using var runpod = await FakeRunPod.StartAsync(RemoteKit.RunPodKey);
        runpod.Data["iris.csv"] = IrisCsv;
        using var world = IrisWorld("iris-runpod", "runpod", runpod.BaseUrl, new JsonObject { ["endpointId"] = runpod.EndpointId });
        RemoteKit.WritePipeline(world, runpodUrl: runpod.BaseUrl.TrimEnd('/'));
        var archive = Path.Combine(world.Root, "out.zip");
        using (var zip = System.IO.Compression.ZipFile.Open(archive, System.IO.Compression.ZipArchiveMode.Create))
            foreach (var file in Directory.EnumerateFiles(TrainedOutput))
                System.IO.Compression.ZipFileExtensions.CreateEntryFromFile(zip, file, $"models/{Path.GetFileName(file)}");
        runpod.Archive = File.ReadAllBytes(archive);
        runpod.ReportedSha256 = RemoteKit.Sha256(runpod.Archive);
        File.Delete(archive);

        await PublishAsync(world, "iris-runpod", "runpod");

        Assert.Single(runpod.Submitted);
        Assert.Empty(runpod.Failures);
    }
}
