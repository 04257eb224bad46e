using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.RemoteTraining;

/// <summary>Worlds for the remote-training tests: a model whose data comes from a fake's /data/ URL, canary tokens.</summary>
public static class RemoteKit
{
    public const string KfpToken = "kfp-canary-7f3a9c1e5b";
    public const string RunPodKey = "rp-canary-2d8e4f6a0c";
    public static readonly byte[] Csv = Encoding.UTF8.GetBytes("sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n");

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static readonly IReadOnlyDictionary<string, string?> Env = new Dictionary<string, string?>
    {
        ["KFP_TOKEN"] = KfpToken,
        ["RUNPOD_API_KEY"] = RunPodKey,
        ["MP_TEST_S3_ACCESS"] = S3rver.AccessKey,
        ["MP_TEST_S3_SECRET"] = S3rver.SecretKey,
    };

    /// <summary>pipeline.json with the backends' endpoints and token variables.</summary>
    public static void WritePipeline(TestWorld world, string? kfpEndpoint = null, string? runpodUrl = null, string? s3 = null)
    {
        var training = new JsonObject();
        if (kfpEndpoint is not null)
        {
            training["kfp"] = new JsonObject { ["endpoint"] = kfpEndpoint, ["tokenEnv"] = "KFP_TOKEN", ["pollSeconds"] = 0.2, ["maxPollSeconds"] = 0.5, ["retries"] = 3 };
            if (s3 is not null)
                training["kfp"]!["artifactStore"] = new JsonObject { ["endpoint"] = s3, ["accessKeyEnv"] = "MP_TEST_S3_ACCESS", ["secretKeyEnv"] = "MP_TEST_S3_SECRET" };
        }
        if (runpodUrl is not null)
            training["runpod"] = new JsonObject { ["apiUrl"] = runpodUrl, ["tokenEnv"] = "RUNPOD_API_KEY", ["pollSeconds"] = 0.2, ["maxPollSeconds"] = 0.5, ["retries"] = 3 };
        var pipeline = new JsonObject
        {
            ["workspace"] = new JsonObject { ["artifactsDir"] = "artifacts", ["cacheDir"] = ".pipeline/cache" },
            ["fetch"] = new JsonObject { ["timeoutSeconds"] = 30, ["retries"] = 2 },
            ["training"] = training,
        };
        File.WriteAllText(Path.Combine(world.Root, "pipeline.json"), pipeline.ToJsonString());
    }

    /// <summary>A small model trained remotely: one data source served by <paramref name="dataBase"/>, one output file.</summary>
    public static void WriteModel(TestWorld world, string name, string backend, string dataBase, JsonObject options, int timeoutSeconds = 60, long? maxTotalBytes = null)
    {
        var model = new JsonObject
        {
            ["name"] = name,
            ["description"] = "remote training test model",
            ["owners"] = new JsonArray("ml@example.com"),
            ["data"] = new JsonArray(new JsonObject { ["name"] = "iris", ["url"] = $"{dataBase}data/iris.csv", ["sha256"] = Sha256(Csv) }),
            ["training"] = new JsonObject
            {
                ["backend"] = backend,
                ["timeoutSeconds"] = timeoutSeconds,
                ["hyperparameters"] = new JsonObject { ["epochs"] = 3, ["learning_rate"] = 0.5 },
                ["options"] = options,
            },
            ["artifacts"] = new JsonObject { ["format"] = "onnx", ["files"] = new JsonArray("model.bin") },
            ["validation"] = new JsonObject(),
            ["serving"] = new JsonObject { ["runtime"] = "onnx" },
        };
        if (maxTotalBytes is { } cap) model["artifacts"]!["maxTotalBytes"] = cap;
        world.WriteModel(name, model.ToJsonString());
    }

    public static string OnlyKey(TestWorld world, string model) =>
        Path.GetFileName(Directory.GetDirectories(Path.Combine(world.ArtifactsDir, model, "runs")).Single());

    /// <summary>Every file under artifacts/ and .pipeline/ (no data cache), as text, for "the token is nowhere" checks.</summary>
    public static string AllState(TestWorld world) =>
        string.Join("\n", Directory.EnumerateFiles(world.Root, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}cache{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && new FileInfo(f).Length < 1 << 20)
            .Select(f => { try { return File.ReadAllText(f); } catch (IOException) { return ""; } }));
}

/// <summary>A test that needs s3rver (npm); skipped with the reason when it is missing.</summary>
public sealed class S3rverFactAttribute : FactAttribute
{
    public S3rverFactAttribute()
    {
        if (S3rver.Missing() is { } reason) Skip = reason;
    }
}
