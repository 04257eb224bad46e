using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.SameEverywhere;

/// <summary>
/// A models repository in real git (one commit with pipeline.json and models/demo) and fresh clones
/// of it, each a workspace as a CI runner checks it out: no artifacts/, no .pipeline/. Shared
/// services (zoo, GitOps repository, registry or OCI layout) are named in the committed pipeline.json.
/// </summary>
internal sealed class Clones(TestWorld world)
{
    /// <summary>Writes random bytes: every run trains different weights.</summary>
    public const string RandomTrainer = "head -c 4096 /dev/urandom > \"$MP_OUTPUT_DIR/model.onnx\"\necho '{\"accuracy\": 0.97}' > \"$MP_OUTPUT_DIR/metrics.json\"\n";

    /// <summary>Writes the same bytes every time.</summary>
    public const string DeterministicTrainer = "printf 'weights v1' > \"$MP_OUTPUT_DIR/model.onnx\"\necho '{\"accuracy\": 0.97}' > \"$MP_OUTPUT_DIR/metrics.json\"\n";

    public string Source => Path.Combine(world.Root, "source");

    public string Shared(string name) => Path.Combine(world.Root, "shared", name);

    /// <summary>Creates the models repository with one commit; <paramref name="settings"/> become pipeline.json.</summary>
    public async Task CreateSourceAsync(object settings, string trainer, double minAccuracy = 0.9)
    {
        var model = Path.Combine(Source, "models", "demo");
        Directory.CreateDirectory(model);
        await File.WriteAllTextAsync(Path.Combine(Source, "pipeline.json"), JsonSerializer.Serialize(settings));
        await File.WriteAllTextAsync(Path.Combine(model, "train.sh"), trainer);
        await File.WriteAllTextAsync(Path.Combine(model, "data.csv"), "x,y\n1,2\n");
        await File.WriteAllTextAsync(Path.Combine(model, "model.json"), ModelJson(minAccuracy));
        await BareRepo.GitAsync(world.Root, "init", "--quiet", "--initial-branch=main", Source);
        await BareRepo.GitAsync(Source, "add", "--all");
        await BareRepo.GitAsync(Source, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "models");
    }

    /// <summary>
    /// A source repository whose settings share one bare zoo, one bare GitOps repository and <paramref name="registry"/>
    /// (a busybox base pushed there) among all clones; returns the zoo and GitOps paths.
    /// </summary>
    public async Task<(string Zoo, string GitOps)> CreateRegistrySourceAsync(LocalRegistry registry, string trainer)
    {
        var baseImage = await BusyboxBase.PushAsync(registry);
        var zoo = await BareRepo.CreateAsync(Shared("zoo.git"));
        var gitops = await BareRepo.CreateAsync(Shared("gitops.git"));
        await CreateSourceAsync(new
        {
            zoo = new { url = zoo, mirrors = Array.Empty<object>() },
            modelcar = new { destination = "registry", repository = $"{registry.Host}/modelzoo", baseImage },
            gitops = new { repository = gitops },
        }, trainer);
        return (zoo, gitops);
    }

    public static string ModelJson(double minAccuracy) => $$"""
        {
          "name": "demo", "description": "demo model", "owners": ["ml@example.com"],
          "data": [ { "name": "table", "file": "data.csv" } ],
          "training": { "backend": "local", "command": ["sh", "train.sh"], "timeoutSeconds": 60 },
          "artifacts": { "format": "onnx", "files": ["model.onnx", "metrics.json"] },
          "validation": { "metrics": { "accuracy": { "min": {{minAccuracy.ToString(System.Globalization.CultureInfo.InvariantCulture)}} } } },
          "serving": { "runtime": "onnx" }
        }
        """;

    /// <summary>A fresh clone of the models repository: a new workspace.</summary>
    public async Task<string> CloneAsync(string name)
    {
        var dir = Path.Combine(world.Root, name);
        await BareRepo.GitAsync(world.Root, "clone", "--quiet", Source, dir);
        return dir;
    }

    /// <summary>Runs verbs one after another in a workspace, each expected to succeed; returns their output.</summary>
    public static async Task<string> RunAsync(string workspace, IReadOnlyDictionary<string, string?> env, params string[] verbs)
    {
        var all = new System.Text.StringBuilder();
        foreach (var verb in verbs)
        {
            var run = await Modelpipe.RunAsync(workspace, [verb, "--json"], env);
            Assert.True(run.ExitCode == 0, $"{verb} in {workspace}: {run.All}");
            all.Append(run.All);
        }
        return all.ToString();
    }

    public static JsonElement Run(string workspace, string step)
    {
        var state = Path.Combine(workspace, "artifacts", "demo");
        var key = JsonDocument.Parse(File.ReadAllText(Path.Combine(state, "current.json"))).RootElement.GetProperty("trainingKey").GetString()!;
        return JsonDocument.Parse(File.ReadAllText(Path.Combine(state, "runs", key, step + ".json"))).RootElement;
    }

    public static readonly string[] Publish = ["fetch", "train", "validate", "package", "push", "gitops", "pr"];
}
