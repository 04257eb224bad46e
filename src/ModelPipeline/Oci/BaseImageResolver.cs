using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelPipeline.Errors;

namespace ModelPipeline.Oci;

/// <summary>
/// Pins a base image reference to a manifest digest (choosing linux/amd64 from an index), reads its
/// config, and finds whether it has <c>/bin/sh</c> by listing its layers once (remembered per digest).
/// </summary>
public sealed class BaseImageResolver(RegistryConnector registries, string cacheDir)
{
    public async Task<BaseImage> ResolveAsync(string name, string where, CancellationToken ct)
    {
        if (name == "scratch") return BaseImage.Scratch;
        var reference = ImageReference.Parse(name, where);
        var client = registries.For(reference);
        var (bytes, mediaType, digest) = await client.GetManifestAsync(reference.Repository, reference.Digest ?? reference.Tag ?? "latest", ct);
        if (MediaTypes.IsIndex(mediaType) || JsonNode.Parse(bytes)?["manifests"] is not null)
        {
            var index = OciJson.Deserialize<ImageIndex>(bytes, $"base image {name} index");
            var chosen = index.Manifests.FirstOrDefault(m => m.Platform is { Os: "linux", Architecture: "amd64" })
                ?? throw new InvalidInputException($"{where}: base image '{name}' has no linux/amd64 image. Fix: choose a base built for linux/amd64.");
            (bytes, mediaType, digest) = await client.GetManifestAsync(reference.Repository, chosen.Digest, ct);
        }
        var manifest = OciJson.Deserialize<ImageManifest>(bytes, $"base image {name} manifest");
        var config = JsonNode.Parse(await client.ReadBlobAsync(reference.Repository, manifest.Config, ct)) as JsonObject
            ?? throw new OperationFailedException($"base image {name}: its config is not a JSON object.");
        Task<Stream> Open(Descriptor d, CancellationToken c) => client.OpenBlobAsync(reference.Repository, d, c);
        var hasShell = await HasShellAsync(digest, manifest.Layers, Open, ct);
        return new BaseImage(reference.Name + (reference.Tag is null ? "" : ":" + reference.Tag), digest, manifest.Layers, config, hasShell, Open);
    }

    private async Task<bool> HasShellAsync(string digest, IReadOnlyList<Descriptor> layers, Func<Descriptor, CancellationToken, Task<Stream>> open, CancellationToken ct)
    {
        var marker = Path.Combine(cacheDir, "oci-base", OciDigest.Hex(digest) + ".json");
        if (File.Exists(marker)) return JsonSerializer.Deserialize<bool>(File.ReadAllText(marker));
        var found = false;
        foreach (var layer in layers)
        {
            await using var blob = await open(layer, ct);
            await using Stream tar = layer.MediaType.EndsWith("gzip", StringComparison.Ordinal) ? new GZipStream(blob, CompressionMode.Decompress) : blob;
            using var reader = new TarReader(tar);
            while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                var path = entry.Name.TrimStart('.', '/');
                if (path is "bin/sh" or "usr/bin/sh") found = entry.EntryType is not TarEntryType.Directory;
                else if (path == "bin/.wh.sh") found = false;
            }
            if (found) break;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
        File.WriteAllText(marker, JsonSerializer.Serialize(found));
        return found;
    }
}
