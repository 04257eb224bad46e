using System.Text;
using System.Text.Json;
using ModelPipeline.RunState;
using ModelPipeline.Validation;

namespace ModelPipeline.Tests.Support;

/// <summary>
/// Puts a world in the state PushMirrors starts from: a model definition, a validated training
/// output (current key, output files, passing validate.json), its ModelCar image in the world's OCI
/// layout and PackageModelCar's package.json. Each <paramref name="variant"/> is another training key.
/// </summary>
public static class ZooSeed
{
    public sealed record Seeded(string Model, string TrainingKey, string Digest, IReadOnlyDictionary<string, byte[]> Files);

    public static async Task<Seeded> SeedPackagedAsync(this TestWorld world, string model = "demo", int variant = 1)
    {
        var dir = world.WriteModel(model, $$"""
            {
              "name": "{{model}}",
              "description": "{{model}} test model",
              "owners": ["a@example.com"],
              "data": [ { "name": "d", "file": "data.csv" } ],
              "training": { "backend": "local", "command": ["true"], "timeoutSeconds": 10, "hyperparameters": { "epochs": 3 } },
              "artifacts": { "format": "onnx", "files": ["model.onnx", "metrics.json"] },
              "validation": { "onnxModel": "model.onnx", "metrics": { "accuracy": { "min": 0.5 } } },
              "serving": { "runtime": "onnx" }
            }
            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "data.csv"), "a,b\n1,2\n");

        var key = Digests.Sha256($"{model}/{variant}");
        var files = new Dictionary<string, byte[]>
        {
            ["model.onnx"] = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat($"weights of {model} variant {variant};", 200))),
            ["metrics.json"] = Encoding.UTF8.GetBytes($$"""{ "accuracy": 0.9{{variant}} }"""),
        };
        var state = new RunStateStore(world.ArtifactsDir);
        var output = state.OutputDir(model, key);
        Directory.CreateDirectory(output);
        foreach (var (name, data) in files) await File.WriteAllBytesAsync(Path.Combine(output, name), data);
        state.WriteRun(model, key, "validate", new ValidationReport
        {
            Model = model,
            TrainingKey = key,
            Passed = true,
            Checks = [new CheckResult("manifest", true, "2 file(s)"), new CheckResult("metrics", true, "accuracy ≥ 0.5")],
            Manifest = files.OrderBy(f => f.Key, StringComparer.Ordinal)
                .Select(f => new FileEntry(f.Key, f.Value.Length, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(f.Value)))).ToList(),
            Metrics = new Dictionary<string, double> { ["accuracy"] = 0.9 + variant / 100.0 },
            ValidatedAt = DateTimeOffset.UtcNow,
        });
        state.SetCurrentKey(model, key);

        var digest = await world.PackageCurrentAsync(model);
        return new Seeded(model, key, digest, files);
    }

    /// <summary>Seeds training keys 1..<paramref name="count"/> of <paramref name="model"/> and publishes each
    /// (<c>modelpipe push</c>) as v1..vN of the sandbox zoo; returns them in version order.</summary>
    public static async Task<IReadOnlyList<Seeded>> PublishVariantsAsync(this TestWorld world, int count,
        string model = "demo")
    {
        var seeded = new List<Seeded>();
        for (var variant = 1; variant <= count; variant++)
        {
            seeded.Add(await world.SeedPackagedAsync(model, variant));
            var push = await Modelpipe.RunAsync(world.Root, "push");
            Assert.True(push.ExitCode == 0, push.All);
        }
        return seeded;
    }

    /// <summary>
    /// Does what PackageModelCar does for the current training output: an image with the files under
    /// /models in the world's OCI layout (.pipeline/oci), and package.json. Returns the image digest.
    /// </summary>
    public static async Task<string> PackageCurrentAsync(this TestWorld world, string model)
    {
        var state = new RunStateStore(world.ArtifactsDir);
        var key = state.CurrentKey(model)!;
        var output = state.OutputDir(model, key);
        var files = new Dictionary<string, byte[]>();
        foreach (var rel in Digests.Files(output)) files[rel] = await File.ReadAllBytesAsync(Path.Combine(output, rel));
        var repository = $"localhost/models/{model}";
        var digest = await OciLayoutWriter.WriteModelImageAsync(Path.Combine(world.Root, ".pipeline", "oci"), files, $"{model}-{key[..12]}");
        RunStateStore.Write(Path.Combine(state.RunDir(model, key), "package.json"), new
        {
            model,
            trainingKey = key,
            destination = "oci-layout",
            repository,
            tag = $"{model}-{key[..12]}",
            digest,
            reference = $"{repository}@{digest}",
            storageUri = $"oci://{repository}@{digest}",
            sizeBytes = files.Sum(f => f.Value.Length),
            createdAt = DateTimeOffset.UtcNow,
        });
        return digest;
    }

    /// <summary>Replaces the world's pipeline.json with a zoo section (JSON object text).</summary>
    public static void WriteZooConfig(this TestWorld world, string zooJson) =>
        File.WriteAllText(Path.Combine(world.Root, "pipeline.json"),
            $$"""{ "workspace": { "artifactsDir": "artifacts", "cacheDir": ".pipeline/cache" }, "zoo": {{zooJson}} }""");

    public static T ReadRun<T>(this TestWorld world, string model, string key, string step) where T : class =>
        new RunStateStore(world.ArtifactsDir).ReadRun<T>(model, key, step)!;

    public static string ZooJson(string primary, params (string Name, string Url, string? TokenEnv)[] mirrors) => JsonSerializer.Serialize(new
    {
        url = primary,
        mirrors = mirrors.Select(m => m.TokenEnv is null ? (object)new { name = m.Name, url = m.Url } : new { name = m.Name, url = m.Url, tokenEnv = m.TokenEnv }),
    });
}
