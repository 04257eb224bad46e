using System.Text.Json;
using ModelPipeline.Configuration;
using ModelPipeline.Models;
using ModelPipeline.Packaging;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Tests.Support;
using ModelPipeline.Validation;
using ModelPipeline.Zoo;

namespace ModelPipeline.Tests.GitOps;

/// <summary>
/// Writes the run state that Train, Validate, PackageModelCar and PushMirrors leave behind for one
/// training key, so GitOps tests start from a published model without training or pushing images.
/// </summary>
internal static class PublishedModels
{
    public static string Digest(int version) => "sha256:" + new string((char)('a' + version % 6), 64);

    public static string Key(int version) => new string((char)('0' + version % 10), 64);

    /// <summary>
    /// Leaves <paramref name="model"/> (a copy of models/&lt;model&gt;) validated, packaged (a package.json
    /// whose digest stands for the image) and published to the world's real zoo by PushMirrors'
    /// library step, which must assign <paramref name="version"/>. With <paramref name="passed"/> false
    /// only a failing validation report is written. Returns the training key.
    /// </summary>
    public static async Task<string> PublishAsync(this TestWorld world, string model, int version, bool passed = true, double accuracy = 0.95)
    {
        if (!Directory.Exists(Path.Combine(world.Root, "models", model))) world.CopyModel(model);
        var key = Key(version);
        var state = new RunStateStore(world.ArtifactsDir);
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["metrics.json"] = System.Text.Encoding.UTF8.GetBytes($$"""{ "accuracy": {{accuracy.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "log_loss": 0.2 }"""),
            ["model.onnx"] = System.Text.Encoding.UTF8.GetBytes($"onnx weights of {model} v{version}"),
            ["test_vectors.json"] = System.Text.Encoding.UTF8.GetBytes("{}"),
        };
        Directory.CreateDirectory(state.OutputDir(model, key));
        foreach (var (name, data) in files) await File.WriteAllBytesAsync(Path.Combine(state.OutputDir(model, key), name), data);
        state.WriteRun(model, key, "validate", new ValidationReport
        {
            Model = model,
            TrainingKey = key,
            Passed = passed,
            Checks = [new CheckResult("metrics", passed, passed ? "accuracy ≥ 0.9" : "accuracy below 0.9")],
            Manifest = files.Select(f => new FileEntry(f.Key, f.Value.Length, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(f.Value)))).ToList(),
            Metrics = new Dictionary<string, double> { ["accuracy"] = accuracy, ["log_loss"] = 0.2 },
            ValidatedAt = DateTimeOffset.UnixEpoch,
        });
        state.SetCurrentKey(model, key);
        if (!passed) return key;

        var repository = $"registry.example.test/models/{model}";
        StandInImage(world, Digest(version));
        state.WriteRun(model, key, "package", new PackageRecord
        {
            Model = model, TrainingKey = key, Destination = "oci-layout", Repository = repository, Tag = $"{model}-{key[..12]}",
            Digest = Digest(version), Reference = $"{repository}@{Digest(version)}", StorageUri = $"oci://{repository}@{Digest(version)}",
            SizeBytes = 1234, CreatedAt = DateTimeOffset.UnixEpoch,
        });
        var config = ConfigLoader.Load(world.Root);
        var definition = ModelCatalog.Load(world.Root, [model]).Single();
        var zoo = await new ZooPushStep(config, state, NullReporter.Instance).RunAsync(definition, default);
        Assert.Equal(version, zoo.Version);
        return key;
    }

    /// <summary>
    /// Makes the world's OCI layout (.pipeline/oci) list a manifest with <paramref name="digest"/>, so the
    /// image store holds the digest a GitOps pin names; its bytes are a stand-in, never pulled by these tests.
    /// </summary>
    public static void StandInImage(TestWorld world, string digest)
    {
        var layout = LayoutDir(world);
        var blob = Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]);
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        File.WriteAllText(blob, "{}");
        File.WriteAllText(Path.Combine(layout, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        var indexPath = Path.Combine(layout, "index.json");
        var index = File.Exists(indexPath) ? System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(indexPath))!.AsObject() : new System.Text.Json.Nodes.JsonObject { ["schemaVersion"] = 2, ["manifests"] = new System.Text.Json.Nodes.JsonArray() };
        index["manifests"]!.AsArray().Add(new System.Text.Json.Nodes.JsonObject { ["mediaType"] = "application/vnd.oci.image.manifest.v1+json", ["digest"] = digest, ["size"] = 2 });
        File.WriteAllText(indexPath, index.ToJsonString());
    }

    public static string LayoutDir(this TestWorld world) => Path.Combine(world.Root, ".pipeline", "oci");

    public static string GitOpsRepo(this TestWorld world) => Path.Combine(world.Root, ".pipeline", "gitops.git");

    public static string ZooRepo(this TestWorld world) => Path.Combine(world.Root, ".pipeline", "zoo.git");
}

/// <summary>Edits the world's pipeline.json.</summary>
internal static class WorldConfig
{
    public static void SetSection(this TestWorld world, string section, string json)
    {
        var path = Path.Combine(world.Root, "pipeline.json");
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        root[section] = System.Text.Json.Nodes.JsonNode.Parse(json);
        File.WriteAllText(path, root.ToJsonString());
    }
}
