using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Ci;

/// <summary>
/// A models repository with three models (iris, and b and c: shell trainers, no ONNX) whose settings share a zoo, a
/// GitOps repository and an OCI layout under <c>shared/</c> outside every clone, as a CI's runners share a registry.
/// </summary>
public static class ThreeModels
{
    /// <summary>The models added beside iris.</summary>
    public static readonly string[] Added = ["b", "c"];

    /// <summary>Adds b and c beside the clone's iris, writes the settings file and commits.</summary>
    public static async Task CreateAsync(string clone, string worldRoot, string settings)
    {
        await WriteSettingsAsync(clone, worldRoot, settings);
        foreach (var name in Added) await WriteModelAsync(clone, name);
        await RegenerateCiAsync(clone);
        await CommitAsync(clone, "three models");
    }

    /// <summary>
    /// This repository's own CI files, generated from its settings (the secret names they map come from them), as a
    /// models repository with other settings would commit them: the test job's CheckCi then finds no drift.
    /// </summary>
    public static async Task RegenerateCiAsync(string clone)
    {
        var graph = Path.Combine(TestWorld.RepoRoot(), "artifacts", "ci", "targets.json");
        var run = await Modelpipe.RunAsync(clone, ["ci", "generate", "--graph", graph]);
        if (run.ExitCode != 0) throw new InvalidOperationException($"ci generate: {run.All}");
    }

    /// <summary>Settings that share a zoo, a GitOps repository and an OCI layout under worldRoot/shared/.</summary>
    public static async Task WriteSettingsAsync(string root, string worldRoot, string settings)
    {
        var shared = Path.Combine(worldRoot, "shared");
        var zoo = await BareRepo.CreateAsync(Path.Combine(shared, "zoo.git"));
        var gitops = await BareRepo.CreateAsync(Path.Combine(shared, "gitops.git"));
        var busybox = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes("/bin/busybox")));
        await File.WriteAllTextAsync(Path.Combine(root, settings), JsonSerializer.Serialize(new
        {
            zoo = new { url = zoo, mirrors = Array.Empty<object>() },
            modelcar = new
            {
                destination = "oci-layout", layoutDir = Path.Combine(shared, "oci"), baseImage = "busybox-static",
                busybox = new { path = "/bin/busybox", sha256 = busybox },
            },
            gitops = new { repository = gitops },
        }));
    }

    /// <summary>A small model: a shell trainer that copies its data into model.onnx (new data, new files).</summary>
    public static async Task WriteModelAsync(string root, string name)
    {
        var dir = Path.Combine(root, "models", name);
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "train.sh"),
            "cat \"$MP_DATA_DIR/table\" > \"$MP_OUTPUT_DIR/model.onnx\"\necho '{\"accuracy\": 0.97}' > \"$MP_OUTPUT_DIR/metrics.json\"\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "data.csv"), $"x,y\n{name},1\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "model.json"), ModelJson(name));
    }

    /// <summary>Publishes every model from a clone in another folder (Fetch ... UpdateGitOps), as an earlier run did.</summary>
    public static async Task PublishFromAnotherCloneAsync(string clone, string worldRoot, string settings)
    {
        var earlier = Path.Combine(worldRoot, "earlier-run");
        await BareRepo.GitAsync(worldRoot, "clone", "--quiet", clone, earlier);
        foreach (var verb in new[] { "fetch", "train", "validate", "package", "push", "gitops" })
        {
            var run = await Modelpipe.RunAsync(earlier, [verb, "--config", settings], new Dictionary<string, string?> { ["SOURCE_DATE_EPOCH"] = null });
            if (run.ExitCode != 0) throw new InvalidOperationException($"{verb}: {run.All}");
        }
        Directory.Delete(earlier, recursive: true);
    }

    /// <summary>Changes the data of the given models (a new training key each) and commits.</summary>
    public static async Task ChangeAsync(string clone, params string[] models)
    {
        ChangeData(clone, models);
        await CommitAsync(clone, "change " + string.Join(", ", models));
    }

    public static void ChangeData(string root, params string[] models)
    {
        foreach (var name in models) File.AppendAllText(Path.Combine(root, "models", name, "data.csv"), $"{name},2\n");
    }

    private static async Task CommitAsync(string clone, string message)
    {
        await BareRepo.GitAsync(clone, "add", "--all");
        await BareRepo.GitAsync(clone, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", message);
    }

    private static string ModelJson(string name) => $$"""
        {
          "name": "{{name}}", "description": "model {{name}}", "owners": ["ml@example.com"],
          "data": [ { "name": "table", "file": "data.csv" } ],
          "training": { "backend": "local", "command": ["sh", "train.sh"], "timeoutSeconds": 60 },
          "artifacts": { "format": "onnx", "files": ["model.onnx", "metrics.json"] },
          "validation": { "metrics": { "accuracy": { "min": 0.9 } } },
          "serving": { "runtime": "onnx" }
        }
        """;
}
