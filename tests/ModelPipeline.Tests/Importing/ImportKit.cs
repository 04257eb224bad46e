using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ModelPipeline.Oci;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Importing;

/// <summary>Worlds with an imported model (<c>"backend": "import"</c>) and model folders trained "elsewhere".</summary>
internal static class ImportKit
{
    public static string BusyboxSha() => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes("/bin/busybox")));

    /// <summary>pipeline.json: the embedded local default with a shell in the ModelCar base, plus <paramref name="extra"/> sections.</summary>
    public static void Configure(TestWorld world, object? modelcar = null, object? import = null, object? signing = null)
    {
        var doc = new JsonObject
        {
            ["workspace"] = new JsonObject { ["artifactsDir"] = "artifacts", ["cacheDir"] = ".pipeline/cache" },
            ["modelcar"] = System.Text.Json.JsonSerializer.SerializeToNode(modelcar ?? new { baseImage = "busybox-static", busybox = new { sha256 = BusyboxSha() } }),
        };
        if (import is not null) doc["import"] = System.Text.Json.JsonSerializer.SerializeToNode(import);
        if (signing is not null) doc["signing"] = System.Text.Json.JsonSerializer.SerializeToNode(signing);
        File.WriteAllText(Path.Combine(world.Root, "pipeline.json"), doc.ToJsonString());
    }

    /// <summary>An imported Hugging Face-style model: safetensors weights, a metric gate, the serving check off.</summary>
    public static void WriteModel(TestWorld world, string name = "bert-tiny", string backend = "import", params string[] files) =>
        world.WriteModel(name, $$"""
            {
              "name": "{{name}}", "description": "a BERT-style encoder trained elsewhere", "owners": ["nlp@example.com"],
              "data": [],
              "training": { "backend": "{{backend}}"{{(backend == "import" ? "" : ", \"command\": [\"true\"]")}} },
              "artifacts": { "format": "safetensors",
                "files": [{{string.Join(", ", (files.Length > 0 ? files : ["config.json", "model.safetensors", "metrics.json"]).Select(f => $"\"{f}\""))}}] },
              "validation": { "metrics": { "accuracy": { "min": 0.9 } } },
              "serving": { "runtime": "huggingface", "check": { "enabled": false, "reason": "served by a Hugging Face runtime, not ONNX" } }
            }
            """);

    /// <summary>A folder as a Hugging Face training run leaves it: config, weights, tokenizer, metrics.</summary>
    public static string WriteHfFolder(string dir, int seed = 1, double accuracy = 0.95)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), $$"""{"model_type": "bert", "hidden_size": 4, "seed": {{seed}}}""");
        File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), Safetensors(seed));
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), """{"version": "1.0", "model": {"type": "WordPiece"}}""");
        File.WriteAllText(Path.Combine(dir, "vocab.txt"), "[PAD]\n[UNK]\nhello\n");
        File.WriteAllText(Path.Combine(dir, "metrics.json"), $$"""{"accuracy": {{accuracy.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}""");
        return dir;
    }

    /// <summary>A real safetensors file: one F32 tensor of 4×4 values.</summary>
    public static byte[] Safetensors(int seed)
    {
        var header = Encoding.UTF8.GetBytes("""{"encoder.weight":{"dtype":"F32","shape":[4,4],"data_offsets":[0,64]},"__metadata__":{"format":"pt"}}""");
        var bytes = new byte[8 + header.Length + 64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        new Random(seed).NextBytes(bytes.AsSpan(8 + header.Length));
        return bytes;
    }

    public static Dictionary<string, string?> Env(TestWorld world, params (string Key, string? Value)[] extra) =>
        ValidatedModel.Env(world, extra);

    public static Task<Modelpipe.Result> ImportAsync(TestWorld world, params string[] args) =>
        Modelpipe.RunAsync(world.Root, ["import", .. args, "--json"], Env(world));

    /// <summary>The envelope's single row (command import, its exit code).</summary>
    public static JsonNode Row(Modelpipe.Result run)
    {
        var doc = JsonNode.Parse(run.StdOut)!;
        Assert.Equal("import", doc["command"]!.GetValue<string>());
        Assert.Equal(run.ExitCode, doc["exitCode"]!.GetValue<int>());
        return doc["results"]!.AsArray().Single()!;
    }

    public static string ZooRepo(TestWorld world) => Path.Combine(world.Root, ".pipeline", "zoo.git");

    /// <summary>The version record as the zoo's main branch holds it.</summary>
    public static async Task<JsonNode> ZooManifestAsync(TestWorld world, string model, int version) =>
        JsonNode.Parse(await BareRepo.GitAsync(ZooRepo(world), "show", $"main:models/{model}/v{version}/manifest.json"))!;

    /// <summary>Whether the zoo holds any version of <paramref name="model"/> (an empty or absent zoo holds none).</summary>
    public static bool InZoo(TestWorld world, string model) =>
        Directory.Exists(ZooRepo(world)) && Tools.Run("git", "--git-dir", ZooRepo(world), "cat-file", "-e", $"main:models/{model}").ExitCode == 0;

    /// <summary>The statement of the DSSE provenance attached to <paramref name="digest"/> in the world's OCI layout.</summary>
    public static JsonNode Provenance(TestWorld world, string provenanceDigest)
    {
        var layout = new OciLayout(Path.Combine(world.Root, ".pipeline", "oci"));
        var manifest = JsonNode.Parse(File.ReadAllBytes(layout.BlobPath(provenanceDigest)))!;
        var envelope = JsonNode.Parse(File.ReadAllBytes(layout.BlobPath(manifest["layers"]![0]!["digest"]!.GetValue<string>())))!;
        return JsonNode.Parse(Convert.FromBase64String(envelope["payload"]!.GetValue<string>()))!;
    }

    /// <summary>What import wrote for a model: run state and zoo (nothing, for a refused import).</summary>
    public static bool WroteRunState(TestWorld world, string model) =>
        Directory.Exists(Path.Combine(world.ArtifactsDir, model, "runs"));
}
