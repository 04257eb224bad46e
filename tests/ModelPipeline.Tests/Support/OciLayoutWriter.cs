using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelPipeline.Tests.Support;

/// <summary>
/// Writes a small image into an OCI image layout directory (oci-layout, index.json, blobs/sha256):
/// one gzip layer built from tar entries, a config, a manifest. Tests use it where PackageModelCar's
/// output is needed, and to build hostile layers (traversal, links out).
/// </summary>
public static class OciLayoutWriter
{
    /// <summary>A layer with each file under <c>models/</c>.</summary>
    public static Task<string> WriteModelImageAsync(string layoutDir, IReadOnlyDictionary<string, byte[]> files, string tag) =>
        WriteImageAsync(layoutDir, tag, files.Select(f => (TarEntry)new PaxTarEntry(TarEntryType.RegularFile, "models/" + f.Key) { DataStream = new MemoryStream(f.Value) }).ToList());

    /// <summary>Writes the image and returns its manifest digest (sha256:…).</summary>
    public static async Task<string> WriteImageAsync(string layoutDir, string tag, IReadOnlyList<TarEntry> entries)
    {
        Directory.CreateDirectory(Path.Combine(layoutDir, "blobs", "sha256"));
        await File.WriteAllTextAsync(Path.Combine(layoutDir, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");

        using var tar = new MemoryStream();
        await using (var gzip = new GZipStream(tar, CompressionLevel.Fastest, leaveOpen: true))
        await using (var writer = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, "models/"));
            foreach (var entry in entries) await writer.WriteEntryAsync(entry);
        }
        var layer = Blob(layoutDir, tar.ToArray(), "application/vnd.oci.image.layer.v1.tar+gzip");
        var config = Blob(layoutDir, Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"""), "application/vnd.oci.image.config.v1+json");
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = config,
            ["layers"] = new JsonArray(layer),
        };
        var descriptor = Blob(layoutDir, Encoding.UTF8.GetBytes(manifest.ToJsonString()), "application/vnd.oci.image.manifest.v1+json");
        descriptor["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag };

        var indexPath = Path.Combine(layoutDir, "index.json");
        var index = File.Exists(indexPath)
            ? JsonNode.Parse(await File.ReadAllTextAsync(indexPath))!.AsObject()
            : new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray() };
        index["manifests"]!.AsArray().Add(descriptor);
        await File.WriteAllTextAsync(indexPath, index.ToJsonString());
        return (string)descriptor["digest"]!;
    }

    /// <summary>The path of a blob in the layout.</summary>
    public static string BlobPath(string layoutDir, string digest) => Path.Combine(layoutDir, "blobs", "sha256", digest["sha256:".Length..]);

    /// <summary>The digests of the layers of an image.</summary>
    public static IReadOnlyList<string> Layers(string layoutDir, string manifestDigest)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(BlobPath(layoutDir, manifestDigest)));
        return doc.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!).ToList();
    }

    private static JsonObject Blob(string layoutDir, byte[] data, string mediaType)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));
        File.WriteAllBytes(BlobPath(layoutDir, digest), data);
        return new JsonObject { ["mediaType"] = mediaType, ["digest"] = digest, ["size"] = data.Length };
    }
}
