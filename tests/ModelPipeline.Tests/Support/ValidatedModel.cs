using System.Security.Cryptography;
using System.Text.Json;
using ModelPipeline.Packaging;
using ModelPipeline.RunState;
using ModelPipeline.Training;
using ModelPipeline.Validation;

namespace ModelPipeline.Tests.Support;

/// <summary>
/// Seeds a world with a model that has passed the validation gate (model.json, train.json,
/// validate.json with its manifest, the trained files), so packaging tests start right after Validate.
/// </summary>
public static class ValidatedModel
{
    public static readonly DateTimeOffset TrainedAt = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>Writes the model with the given files (name → content) and returns its training key.</summary>
    public static string Seed(TestWorld world, string name, IReadOnlyDictionary<string, byte[]> files)
    {
        world.WriteModel(name, $$"""
            {
              "name": "{{name}}", "description": "test model", "owners": ["ml@example.com"],
              "data": [ { "name": "d", "file": "model.json" } ],
              "training": { "backend": "local", "command": ["true"] },
              "artifacts": { "format": "onnx", "files": [{{string.Join(", ", files.Keys.Select(k => $"\"{k}\""))}}] },
              "validation": {},
              "serving": { "runtime": "onnx" }
            }
            """);
        var key = Digests.Sha256(name + string.Join(",", files.Select(f => f.Key + ":" + Convert.ToHexString(SHA256.HashData(f.Value)))));
        var state = new RunStateStore(world.ArtifactsDir);
        var output = state.OutputDir(name, key);
        var manifest = new List<FileEntry>();
        foreach (var (path, content) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var full = Path.Combine(output, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, content);
            manifest.Add(new FileEntry(path, content.Length, Convert.ToHexStringLower(SHA256.HashData(content))));
        }
        state.WriteRun(name, key, "train", new TrainingRecord
        {
            Model = name, TrainingKey = key, Backend = "local", RunId = "run-1", OutputDir = output, StartedAt = TrainedAt, Files = [.. files.Keys],
        });
        state.WriteRun(name, key, "validate", new ValidationReport
        {
            Model = name, TrainingKey = key, Passed = true, Checks = [new CheckResult("manifest", true, "seeded")], Manifest = manifest, ValidatedAt = TrainedAt,
        });
        state.SetCurrentKey(name, key);
        return key;
    }

    public static Dictionary<string, byte[]> SmallFiles(int seed = 1) => new()
    {
        ["model.onnx"] = RandomBytes(4096, seed),
        ["metrics.json"] = """{"accuracy": 0.97}"""u8.ToArray(),
        ["tokenizer/vocab.txt"] = "a\nb\nc\n"u8.ToArray(),
    };

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Writes pipeline.json with the given <c>modelcar</c> (and optional <c>registry</c>) sections.</summary>
    public static void Configure(TestWorld world, object modelcar, object? registry = null)
    {
        var doc = new Dictionary<string, object>
        {
            ["workspace"] = new { artifactsDir = "artifacts", cacheDir = ".pipeline/cache" },
            ["modelcar"] = modelcar,
        };
        if (registry is not null) doc["registry"] = registry;
        File.WriteAllText(Path.Combine(world.Root, "pipeline.json"), JsonSerializer.Serialize(doc));
    }

    /// <summary>Flips the middle byte (or the <paramref name="last"/>) of a trained output file: the same size, other
    /// bytes, so only a hash can tell.</summary>
    public static void FlipByte(TestWorld world, string model, string key, string file, bool last = false)
    {
        var path = Path.Combine(world.ArtifactsDir, model, "runs", key, "output", file);
        var bytes = File.ReadAllBytes(path);
        bytes[last ? bytes.Length - 1 : bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
    }

    public static PackageRecord ReadRecord(TestWorld world, string model, string key) =>
        JsonSerializer.Deserialize<PackageRecord>(File.ReadAllText(Path.Combine(world.ArtifactsDir, model, "runs", key, "package.json")), RunStateStore.Json)!;

    /// <summary>The CLI environment for package tests: no docker config or CI variables from the developer.</summary>
    public static Dictionary<string, string?> Env(TestWorld world, params (string Key, string? Value)[] extra)
    {
        var env = new Dictionary<string, string?>
        {
            ["DOCKER_CONFIG"] = Path.Combine(world.Root, ".docker"),
            ["SOURCE_DATE_EPOCH"] = null,
            ["MODELPIPE_REGISTRY_USERNAME"] = null,
            ["MODELPIPE_REGISTRY_PASSWORD"] = null,
            ["MODELPIPE_SIGNING_KEY"] = null,
            ["MODELPIPE_SIGNING_PASSWORD"] = null,
        };
        foreach (var (k, v) in extra) env[k] = v;
        return env;
    }
}
