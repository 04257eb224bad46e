using System.Text.Json;
using System.Text.Json.Nodes;
using ModelPipeline.Progress;
using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;
using ModelPipeline.Tests.Trust;
using ModelPipeline.Zoo;

namespace ModelPipeline.Tests.Retention;

/// <summary>modelpipe gc in an OCI image layout: index.json entries dropped, blobs nothing else uses deleted.</summary>
public sealed class GcLayoutTests
{
    [OpensslFact]
    public async Task Gc_in_an_oci_layout_deletes_unreferenced_images_and_keeps_a_digest_another_version_shares()
    {
        using var gc = new GcWorld(new
        {
            destination = "oci-layout", layoutDir = ".pipeline/oci", repository = "localhost/modelzoo",
        });
        await gc.PublishAsync(4);
        await gc.PublishSameImageAsync(4); // v5: another training key, the image of v4
        await gc.PublishAsync(2);
        Assert.Equal(gc.Digests[4], gc.Digests[5]);
        await new ZooRepository(gc.Config, NullReporter.Instance).SetAliasAsync("demo", "champion", 5, default);
        var layout = Path.Combine(gc.World.Root, ".pipeline", "oci");
        var before = BlobBytes(layout);

        var outsideCi = await Modelpipe.RunAsync(gc.World.Root,
            ["gc", "--keep-last", "2", "--older-than", "0", "--json"], gc.Env(ci: false));
        Assert.True(outsideCi.ExitCode == 0, outsideCi.All);
        var bytes = GcRegistryTests.Collect(outsideCi.StdOut);
        Assert.Equal([1, 2, 3], bytes.Keys.Order());
        var v4 = JsonDocument.Parse(outsideCi.StdOut).RootElement.GetProperty("results")[0].GetProperty("data")
            .GetProperty("versions").EnumerateArray().Single(v => v.GetProperty("version").GetInt32() == 4);
        Assert.Equal("kept", v4.GetProperty("action").GetString());
        Assert.Equal("another version or a pin uses the same digest", v4.GetProperty("reasons")[0].GetString());

        // index.json lost every tag of v1..v3 (image, demo-vN, key tag, signature, referrers index), and only those.
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!["manifests"]!.AsArray();
        var tags = index.Select(m => m!["annotations"]?["org.opencontainers.image.ref.name"]?.GetValue<string>())
            .ToList();
        foreach (var v in new[] { 1, 2, 3 })
        {
            Assert.DoesNotContain(index, m => m!["digest"]!.GetValue<string>() == gc.Digests[v]);
            Assert.DoesNotContain($"demo-v{v}", tags);
            Assert.DoesNotContain($"sha256-{gc.Digests[v][7..]}.sig", tags);
            Assert.DoesNotContain($"sha256-{gc.Digests[v][7..]}", tags);
            Assert.False(File.Exists(Path.Combine(layout, "blobs", "sha256", gc.Digests[v][7..])));
        }
        foreach (var v in new[] { 4, 5, 6, 7 }) Assert.Contains($"demo-v{v}", tags);
        Assert.Equal(bytes.Values.Sum(), before - BlobBytes(layout));
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(layout, "blobs", "sha256")),
            f => Path.GetFileName(f).StartsWith(".tmp", StringComparison.Ordinal));

        // What stays is whole: the kept images verify and v4 (whose image v5 also records) is pulled. (v5 itself
        // is a stand-in with one more file than that image, so only its digest counts here.)
        foreach (var v in new[] { 6, 7 })
        {
            var verify = await Modelpipe.RunAsync(gc.World.Root, ["verify", $"demo@v{v}", "--key", gc.Key.PublicPath],
                gc.Env());
            Assert.True(verify.ExitCode == 0, $"v{v}: {verify.All}");
        }
        var pull = await Modelpipe.RunAsync(gc.World.Root,
            ["pull", "demo@v4", "--to", Path.Combine(gc.World.Root, "v4")], gc.Env());
        Assert.True(pull.ExitCode == 0, pull.All);
        var record = await BareRepo.GitAsync(gc.World.ZooRepo(), "show", "main:models/demo/collected.json");
        var collected = JsonNode.Parse(record)!.AsArray();
        Assert.Equal([1, 2, 3], collected.Select(c => c!["version"]!.GetValue<int>()));
        Assert.Equal(gc.Digests[2], collected[1]!["digest"]!.GetValue<string>());
    }

    private static long BlobBytes(string layout) =>
        Directory.GetFiles(Path.Combine(layout, "blobs", "sha256")).Sum(f => new FileInfo(f).Length);
}
