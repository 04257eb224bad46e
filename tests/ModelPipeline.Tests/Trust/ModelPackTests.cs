using System.Text.Json.Nodes;
using ModelPipeline.Oci;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Trust;

/// <summary><c>modelcar.formats: ["modelcar", "modelpack"]</c>: the same files as a CNCF ModelPack artifact, blobs reused, pulled back.</summary>
public sealed class ModelPackTests
{
    private static readonly string[] BothFormats = ["modelcar", "modelpack"];

    [OpensslFact]
    public async Task The_modelpack_reuses_the_big_file_layer_is_signed_recorded_in_the_zoo_and_pulls_the_same_files()
    {
        using var world = new TestWorld();
        var signer = TrustKit.NewKey(world, "signer");
        var files = ValidatedModel.SmallFiles(5);
        files["weights.bin"] = ValidatedModel.RandomBytes(200_000, 6);
        var digest = await TrustKit.PublishAsync(world, new { destination = "oci-layout", layerSplitBytes = 100_000, formats = BothFormats }, signer, files);
        var layout = new OciLayout(Path.Combine(world.Root, ".pipeline", "oci"));
        var record = ValidatedModel.ReadRecord(world, "demo", KeyOf(world));
        Assert.NotNull(record.ModelPack);
        Assert.Equal(record.ModelPack, layout.Resolve(record.Tag + "-modelpack")!.Digest);

        var pack = JsonNode.Parse(File.ReadAllBytes(layout.BlobPath(record.ModelPack)))!;
        Assert.Equal("application/vnd.cncf.model.manifest.v1+json", pack["artifactType"]!.GetValue<string>());
        Assert.Equal("application/vnd.cncf.model.config.v1+json", pack["config"]!["mediaType"]!.GetValue<string>());
        var layers = pack["layers"]!.AsArray();
        Assert.Equal(files.Keys.Select(k => "models/" + k).Order(StringComparer.Ordinal), layers.Select(l => l!["annotations"]!["org.cncf.model.filepath"]!.GetValue<string>()));
        var weights = layers.Single(l => l!["annotations"]!["org.cncf.model.filepath"]!.GetValue<string>() == "models/weights.bin")!;
        Assert.Equal("application/vnd.cncf.model.weight.v1.tar", weights["mediaType"]!.GetValue<string>());
        var image = JsonNode.Parse(File.ReadAllBytes(layout.BlobPath(digest)))!;
        Assert.Contains(image["layers"]!.AsArray(), l => l!["digest"]!.GetValue<string>() == weights["digest"]!.GetValue<string>());
        var config = JsonNode.Parse(File.ReadAllBytes(layout.BlobPath(pack["config"]!["digest"]!.GetValue<string>())))!;
        Assert.Equal(layers.Count, config["modelfs"]!["diff_ids"]!.AsArray().Count);

        var target = Path.Combine(world.Root, "pack");
        world.SetVerifyKey(signer.PublicPath);
        var pull = await Modelpipe.RunAsync(world.Root, ["pull", "demo@v1", "--format", "modelpack", "--to", target], TrustKit.Env(world, null));
        Assert.True(pull.ExitCode == 0, pull.All);
        Assert.Contains(record.ModelPack!, pull.All, StringComparison.Ordinal);
        foreach (var (name, data) in files) Assert.Equal(data, File.ReadAllBytes(Path.Combine(target, name)));
    }

    private static string KeyOf(TestWorld world) =>
        Directory.GetDirectories(Path.Combine(world.ArtifactsDir, "demo", "runs")).Select(Path.GetFileName).Single()!;
}
