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

    /// <summary>
    /// Two CI jobs sharing a layout (gitlab-ci-local, a copy of the project per job) each tagged their model: the
    /// later write must start from the earlier one's index.json. Here the test is the other process: it holds
    /// index.json.lock (an open file without sharing, as another process's lock is) and, while holding it, rewrites
    /// index.json with the same length and write time as the one this process parsed, which a coarse file-system clock
    /// allows. The tag waits for the lock and keeps the other process's change.
    /// </summary>
    [Fact]
    public async Task A_tag_waits_for_another_process_holding_the_layout_and_keeps_what_it_wrote()
    {
        var layout = new OciLayout(_dir);
        await layout.PutManifestAsync(Manifest(0), MediaTypes.OciManifest, "a0-v1", default);
        var index = Path.Combine(_dir, "index.json");
        var written = File.GetLastWriteTimeUtc(index);
        Assert.Equal(OciDigest.Of(Manifest(0)), layout.Resolve("a0-v1")?.Digest); // parsed and remembered

        Task tagging;
        using (new FileStream(Path.Combine(_dir, "index.json.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite,
                   FileShare.None))
        {
            tagging = Task.Run(() => layout.PutManifestAsync(Manifest(1), MediaTypes.OciManifest, "a1-v1", default));
            await Task.Delay(TimeSpan.FromMilliseconds(400));
            Assert.False(tagging.IsCompleted, "the tag did not wait for the lock another process holds");
            var other = (await File.ReadAllTextAsync(index)).Replace("\"a0-v1\"", "\"b0-v1\"", StringComparison.Ordinal);
            await File.WriteAllTextAsync(index, other);
            File.SetLastWriteTimeUtc(index, written);
        }
        await tagging;

        var tags = JsonDocument.Parse(await File.ReadAllBytesAsync(index)).RootElement.GetProperty("manifests")
            .EnumerateArray().Select(m => m.GetProperty("annotations").GetProperty(OciLayout.RefName).GetString())
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["a1-v1", "b0-v1"], tags);
    }
}
