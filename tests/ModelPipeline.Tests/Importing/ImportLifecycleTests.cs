using System.Text.Json;
using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Importing;

/// <summary>An imported version goes the way of a trained one: test pin, promotion, merge, serving host, fresh CI job.</summary>
public sealed class ImportLifecycleTests
{
    private static readonly string[] FollowProd = ["bert-tiny@prod"];

    private static async Task<Modelpipe.Result> RunOkAsync(TestWorld world, params string[] args)
    {
        var run = await Modelpipe.RunAsync(world.Root, args, ImportKit.Env(world));
        Assert.True(run.ExitCode == 0, $"modelpipe {string.Join(' ', args)}: {run.All}");
        return run;
    }

    [Fact]
    public async Task An_imported_version_is_pinned_in_test_promoted_merged_and_synced_to_a_serving_host_like_a_trained_one()
    {
        using var world = new TestWorld();
        ImportKit.Configure(world);
        ImportKit.WriteModel(world);
        ImportKit.WriteHfFolder(Path.Combine(world.Root, "trained"));
        var import = await ImportKit.ImportAsync(world, "bert-tiny", "--from", "trained");
        Assert.True(import.ExitCode == 0, import.All);
        var digest = ImportKit.Row(import)["data"]!["digest"]!.GetValue<string>();

        await RunOkAsync(world, "gitops", "--model", "bert-tiny");
        await RunOkAsync(world, "promote", "--model", "bert-tiny", "--version", "1");
        await RunOkAsync(world, "pr", "merge", "--model", "bert-tiny");
        File.WriteAllText(Path.Combine(world.Root, "sync.json"), JsonSerializer.Serialize(new
        {
            zoo = new { url = ".pipeline/zoo.git" }, root = "serving", follow = FollowProd, keep = 1, layout = ".pipeline/oci",
        }));
        var sync = await RunOkAsync(world, "sync", "--file", "sync.json");

        Assert.Contains("image_digest: " + digest, await BareRepo.GitAsync(world.GitOpsRepo(), "show", "main:test/bert-tiny/config.yaml"),
            StringComparison.Ordinal);
        Assert.Contains("image_digest: " + digest, await BareRepo.GitAsync(world.GitOpsRepo(), "show", "main:prod/bert-tiny/config.yaml"),
            StringComparison.Ordinal);
        var aliases = await BareRepo.GitAsync(ImportKit.ZooRepo(world), "show", "main:models/bert-tiny/aliases.json");
        Assert.Contains("\"prod\": 1", aliases, StringComparison.Ordinal);
        var current = Path.Combine(world.Root, "serving", "bert-tiny", "current");
        Assert.Equal(ImportKit.Safetensors(1), File.ReadAllBytes(Path.Combine(current, "model.safetensors")));
        Assert.Equal(["config.json", "metrics.json", "model.safetensors", "tokenizer.json", "vocab.txt"],
            Directory.GetFiles(current).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("bert-tiny", sync.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_in_a_fresh_workspace_reuses_the_zoo_version_of_an_imported_model_and_without_one_says_how_to_import()
    {
        using var world = new TestWorld();
        ImportKit.Configure(world);
        ImportKit.WriteModel(world);
        var before = await Modelpipe.RunAsync(world.Root, ["train", "--model", "bert-tiny"], ImportKit.Env(world));
        ImportKit.WriteHfFolder(Path.Combine(world.Root, "trained"));
        var import = await ImportKit.ImportAsync(world, "bert-tiny", "--from", "trained");
        Assert.True(import.ExitCode == 0, import.All);
        Directory.Delete(world.ArtifactsDir, recursive: true);

        var train = await RunOkAsync(world, "train", "--model", "bert-tiny");
        foreach (var step in new[] { "validate", "package", "serve-check", "push" }) await RunOkAsync(world, step, "--model", "bert-tiny");
        var gitops = await RunOkAsync(world, "gitops", "--model", "bert-tiny");

        Assert.Equal(2, before.ExitCode);
        Assert.Contains("Fix: run modelpipe import bert-tiny --from SOURCE", before.StdErr, StringComparison.Ordinal);
        Assert.Contains("reused v1", train.All, StringComparison.Ordinal);
        Assert.Contains("test/bert-tiny/config.yaml -> v1", gitops.All, StringComparison.Ordinal);
    }
}
