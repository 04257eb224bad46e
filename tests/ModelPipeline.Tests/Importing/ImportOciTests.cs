using System.Text.Json.Nodes;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Importing;

/// <summary><c>--from oci://…@sha256:</c> (the Debian docker-registry) and <c>oci-layout:DIR@sha256:</c>: ModelCar and ModelPack images.</summary>
public sealed class ImportOciTests
{
    private static readonly string[] BothFormats = ["modelcar", "modelpack"];

    /// <summary>A world where another team published bert-tiny v1 (ModelCar and ModelPack) into the OCI layout.</summary>
    private static async Task<(TestWorld World, JsonNode Image)> PublishedElsewhereAsync()
    {
        var world = new TestWorld();
        ImportKit.Configure(world, modelcar: new
        {
            baseImage = "busybox-static", busybox = new { sha256 = ImportKit.BusyboxSha() }, formats = BothFormats,
        });
        ImportKit.WriteModel(world);
        ImportKit.WriteHfFolder(Path.Combine(world.Root, "trained"), seed: 11);
        var run = await ImportKit.ImportAsync(world, "bert-tiny", "--from", "trained");
        Assert.True(run.ExitCode == 0, run.All);
        ImportKit.WriteModel(world, "bert-copy");
        return (world, (await ImportKit.ZooManifestAsync(world, "bert-tiny", 1))["image"]!);
    }

    private static async Task AssertSameFilesAsync(TestWorld world, string model)
    {
        var source = (await ImportKit.ZooManifestAsync(world, "bert-tiny", 1))["files"]!.ToJsonString();
        Assert.Equal(source, (await ImportKit.ZooManifestAsync(world, model, 1))["files"]!.ToJsonString());
    }

    [Fact]
    public async Task Importing_a_ModelCar_and_a_ModelPack_from_an_OCI_layout_by_digest_copies_exactly_their_files()
    {
        var (world, image) = await PublishedElsewhereAsync();
        using var _ = world;
        var modelCar = image["digest"]!.GetValue<string>();
        var modelPack = image["modelPack"]!.GetValue<string>();

        var fromCar = await ImportKit.ImportAsync(world, "bert-copy", "--from", $"oci-layout:.pipeline/oci@{modelCar}");
        var fromPack = await ImportKit.ImportAsync(world, "bert-copy", "--from", $"oci-layout:.pipeline/oci@{modelPack}");

        Assert.True(fromCar.ExitCode == 0, fromCar.All);
        Assert.True(fromPack.ExitCode == 0, fromPack.All);
        await AssertSameFilesAsync(world, "bert-copy");
        var lineage = (await ImportKit.ZooManifestAsync(world, "bert-copy", 1))["importedFrom"]!;
        Assert.Equal("oci-layout", lineage["kind"]!.GetValue<string>());
        Assert.Equal(modelCar, lineage["imageDigest"]!.GetValue<string>());
        Assert.True(lineage["huggingFace"]!.GetValue<bool>());
        // The same files from the ModelPack are the same training key: the version of the ModelCar import stands.
        Assert.True(ImportKit.Row(fromPack)["data"]!["alreadyPublished"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Importing_an_image_from_a_registry_by_digest_copies_its_files_and_a_digest_it_lacks_fails_with_nothing_written()
    {
        Assert.True(Tools.MissingForRegistry() is null, Tools.MissingForRegistry());
        var (world, image) = await PublishedElsewhereAsync();
        using var _ = world;
        await using var registry = await LocalRegistry.StartAsync();
        var tag = image["tag"]!.GetValue<string>();
        await Tools.RunOkAsync("skopeo", "copy", "--quiet", "--preserve-digests", "--dest-tls-verify=false",
            $"oci:{Path.Combine(world.Root, ".pipeline", "oci")}:{tag}", $"docker://{registry.Host}/team/bert-tiny:{tag}");
        var digest = image["digest"]!.GetValue<string>();
        var absent = "sha256:" + new string('0', 64);

        var run = await ImportKit.ImportAsync(world, "bert-copy", "--from", $"oci://{registry.Host}/team/bert-tiny@{digest}");
        var missing = await ImportKit.ImportAsync(world, "bert-tiny", "--from", $"oci://{registry.Host}/team/bert-tiny@{absent}");

        Assert.True(run.ExitCode == 0, run.All);
        await AssertSameFilesAsync(world, "bert-copy");
        var lineage = (await ImportKit.ZooManifestAsync(world, "bert-copy", 1))["importedFrom"]!;
        Assert.Equal("oci", lineage["kind"]!.GetValue<string>());
        Assert.Equal($"{registry.Host}/team/bert-tiny", lineage["uri"]!.GetValue<string>());
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("model 'bert-tiny'", missing.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(world.ArtifactsDir, "bert-tiny", "import")));
    }
}
