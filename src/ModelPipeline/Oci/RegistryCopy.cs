using System.Text.Json;

namespace ModelPipeline.Oci;

/// <summary>
/// Copies manifests by digest from one registry repository to another, as PushMirrors writes images:
/// each blob is first asked for (HEAD: present, skipped), then mounted when both repositories are on
/// the same registry, else streamed from the source; the manifest goes last, byte for byte, so the
/// digest stays the same. An index's manifests are copied before the index.
/// </summary>
public sealed class RegistryCopy(RegistryClient source, string sourceRepository, RegistryClient target,
    string targetRepository)
{
    /// <summary>Blob bytes streamed from the source.</summary>
    public long BytesCopied { get; private set; }

    /// <summary>Blobs the target already had (or mounted).</summary>
    public int BlobsSkipped { get; private set; }

    /// <summary>Copies the manifest <paramref name="reference"/> (a digest or a tag of the source) under
    /// <paramref name="targetReference"/> (its digest when null); returns its digest.</summary>
    public async Task<string> CopyAsync(string reference, string? targetReference, CancellationToken ct)
    {
        var (bytes, mediaType, digest) = await source.GetManifestAsync(sourceRepository, reference, ct);
        using (var doc = JsonDocument.Parse(bytes))
        {
            var root = doc.RootElement;
            if (MediaTypes.IsIndex(mediaType) && root.TryGetProperty("manifests", out var children))
                foreach (var child in children.EnumerateArray())
                    await CopyAsync(child.GetProperty("digest").GetString()!, null, ct);
            var blobs = new List<JsonElement>();
            if (root.TryGetProperty("config", out var config)) blobs.Add(config);
            if (root.TryGetProperty("layers", out var layers)) blobs.AddRange(layers.EnumerateArray());
            foreach (var blob in blobs) await CopyBlobAsync(Descriptor(blob), ct);
        }
        await target.PutManifestAsync(targetRepository, targetReference ?? digest, bytes, mediaType, ct);
        return digest;
    }

    private async Task CopyBlobAsync(Descriptor blob, CancellationToken ct)
    {
        if (await target.HasBlobAsync(targetRepository, blob, ct)
            || (source == target && await target.MountBlobAsync(targetRepository, sourceRepository, blob, ct)))
        {
            BlobsSkipped++;
            return;
        }
        await target.PushBlobAsync(targetRepository, blob, c => source.OpenBlobAsync(sourceRepository, blob, c), ct);
        BytesCopied += blob.Size;
    }

    private static Descriptor Descriptor(JsonElement e) => new()
    {
        MediaType = e.GetProperty("mediaType").GetString() ?? "",
        Digest = e.GetProperty("digest").GetString()!,
        Size = e.GetProperty("size").GetInt64(),
    };
}
