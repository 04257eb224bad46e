using System.Formats.Tar;
using System.Text.Json;
using ModelPipeline.Errors;

namespace ModelPipeline.Oci;

/// <summary>
/// Export of one tagged image as a tarball that <c>docker load</c> accepts: an OCI layout
/// (oci-layout, index.json, blobs) plus Docker's <c>manifest.json</c> naming the config, the
/// layers and the repo:tag. Written to a temp file and renamed, so a failed export leaves nothing.
/// </summary>
public sealed partial class OciLayout
{
    public async Task ExportDockerArchiveAsync(string tag, string repoTag, string path, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + $".{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
                await WriteDockerArchiveAsync(tag, repoTag, file, ct);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public async Task WriteDockerArchiveAsync(string tag, string repoTag, Stream output, CancellationToken ct)
    {
        var desc = Resolve(tag) ?? throw new OperationFailedException($"{Root}: no image tagged '{tag}'. Fix: package the model first.");
        var manifest = OciJson.Deserialize<ImageManifest>(await File.ReadAllBytesAsync(BlobPath(desc.Digest), ct), $"manifest {desc.Digest}");
        string Blob(Descriptor d) => $"blobs/sha256/{d.Hex}";
        var dockerManifest = JsonSerializer.SerializeToUtf8Bytes(new[]
        {
            new Dictionary<string, object>
            {
                ["Config"] = Blob(manifest.Config),
                ["RepoTags"] = new[] { repoTag },
                ["Layers"] = manifest.Layers.Select(Blob).ToArray(),
            },
        });
        var index = OciJson.Serialize(new ImageIndex
        {
            Manifests = [desc with { Annotations = new Dictionary<string, string> { ["io.containerd.image.name"] = repoTag, [RefName] = tag } }],
        });
        await using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        await AddBytesAsync(tar, "oci-layout", """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray(), ct);
        await AddBytesAsync(tar, "index.json", index, ct);
        await AddBytesAsync(tar, "manifest.json", dockerManifest, ct);
        var blobs = new[] { desc, manifest.Config }.Concat(manifest.Layers).DistinctBy(d => d.Digest);
        foreach (var blob in blobs)
            await tar.WriteEntryAsync(BlobPath(blob.Digest), Blob(blob), ct);
    }

    private static async Task AddBytesAsync(TarWriter tar, string name, byte[] bytes, CancellationToken ct)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes), Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead };
        await tar.WriteEntryAsync(entry, ct);
    }
}
