using System.Text;
using System.Text.Json;
using ModelPipeline.Oci;

namespace ModelPipeline.Tests.Packaging;

/// <summary>The tags of an OCI image layout when many models are packaged in one process, in parallel.</summary>
public sealed class OciLayoutTagTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mp-oci-tags-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Manifest(int i) => Encoding.UTF8.GetBytes(
        "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OciManifest + "\",\"annotations\":{\"n\":\"" + i + "\"}}");

    [Fact]
    public async Task Sixty_tags_written_in_parallel_are_all_in_index_json_which_stays_a_valid_oci_index()
    {
        var layout = new OciLayout(_dir);

        await Parallel.ForEachAsync(Enumerable.Range(0, 60), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, ct) => await layout.PutManifestAsync(Manifest(i), MediaTypes.OciManifest, $"m{i}-v1", ct));
        await layout.PutManifestAsync(Manifest(7), MediaTypes.OciManifest, "m7-v1", default); // the same tag again

        // The file itself, parsed afresh: what skopeo or another process reads, not this process's cached index.
        using var index = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(_dir, "index.json")));
        var root = index.RootElement;
        Assert.Equal(2, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(MediaTypes.OciIndex, root.GetProperty("mediaType").GetString());
        var manifests = root.GetProperty("manifests").EnumerateArray().ToList();
        Assert.Equal(60, manifests.Count);
        for (var i = 0; i < 60; i++)
        {
            var digest = OciDigest.Of(Manifest(i));
            var entry = Assert.Single(manifests,
                m => m.GetProperty("annotations").GetProperty(OciLayout.RefName).GetString() == $"m{i}-v1");
            Assert.Equal(digest, entry.GetProperty("digest").GetString());
            Assert.Equal(MediaTypes.OciManifest, entry.GetProperty("mediaType").GetString());
            Assert.Equal(Manifest(i).Length, entry.GetProperty("size").GetInt64());
            Assert.True(File.Exists(layout.BlobPath(digest)));
            Assert.Equal(digest, new OciLayout(_dir).Resolve($"m{i}-v1")?.Digest);
        }
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp*", SearchOption.AllDirectories));
    }
}
