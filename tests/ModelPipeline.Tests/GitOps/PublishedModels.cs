using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.GitOps;

/// <summary>
/// Writes the run state that Train, Validate, PackageModelCar and PushMirrors leave behind for one
/// training key, so GitOps tests start from a published model without training or pushing images.
/// </summary>
internal static class PublishedModels
{
    public static string Digest(int version) => "sha256:" + new string((char)('a' + version % 6), 64);

    public static string Key(int version) => new string((char)('0' + version % 10), 64);

    /// <summary>Marks <paramref name="model"/> as validated and published as <paramref name="version"/>; returns the training key.</summary>
    public static string Publish(this TestWorld world, string model, int version, bool passed = true, double accuracy = 0.95)
    {
        if (!Directory.Exists(Path.Combine(world.Root, "models", model))) world.CopyModel(model);
        var key = Key(version);
        var run = Path.Combine(world.ArtifactsDir, model, "runs", key);
        Directory.CreateDirectory(run);
        var repository = $"registry.example.test/models/{model}";
        Write(Path.Combine(world.ArtifactsDir, model, "current.json"), new { trainingKey = key, updatedAt = DateTimeOffset.UnixEpoch });
        Write(Path.Combine(run, "validate.json"), new
        {
            model, trainingKey = key, passed,
            checks = new[] { new { name = "metrics", passed, detail = passed ? "ok" : "accuracy below 0.9" } },
            manifest = Array.Empty<object>(),
            metrics = new Dictionary<string, double> { ["accuracy"] = accuracy, ["log_loss"] = 0.2 },
            validatedAt = DateTimeOffset.UnixEpoch,
        });
        if (!passed) return key;
        Write(Path.Combine(run, "package.json"), new
        {
            model, trainingKey = key, destination = "oci", repository, tag = key[..12], digest = Digest(version),
            reference = $"{repository}@{Digest(version)}", storageUri = $"oci://{repository}@{Digest(version)}",
            sizeBytes = 1234, createdAt = DateTimeOffset.UnixEpoch,
        });
        Write(Path.Combine(run, "zoo.json"), new
        {
            model, trainingKey = key, version, commit = new string('c', 40), digest = Digest(version),
            reference = $"{repository}@{Digest(version)}", storageUri = $"oci://{repository}@{Digest(version)}",
            mirrors = Array.Empty<string>(), alreadyPublished = false, publishedAt = DateTimeOffset.UnixEpoch,
        });
        return key;
    }

    public static string GitOpsRepo(this TestWorld world) => Path.Combine(world.Root, ".pipeline", "gitops.git");

    /// <summary>Runs git in a folder and returns stdout; throws on failure.</summary>
    public static async Task<string> Git(string dir, params string[] args)
    {
        var result = await CliWrap.Cli.Wrap("git").WithArguments(args).WithWorkingDirectory(dir)
            .WithEnvironmentVariables(new Dictionary<string, string?> { ["GIT_TERMINAL_PROMPT"] = "0" })
            .ExecuteBufferedAsync();
        return result.StandardOutput;
    }

    public static async Task<int> CommitCount(string bare, string branch = "main") =>
        int.Parse((await Git(bare, "rev-list", "--count", branch)).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private static void Write(string path, object value) => File.WriteAllText(path, JsonSerializer.Serialize(value, Json));
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
