using System.IO.Compression;

namespace ModelPipeline.Oci;

public enum LayerCompression { None, Gzip }

/// <summary>A layer as stored: its descriptor and the digest of its uncompressed tar (the config's diff_id).</summary>
public sealed record BuiltLayer(Descriptor Descriptor, string DiffId);

/// <summary>Writes a <see cref="TarLayer"/> to a stream while hashing it: tar, (gzip), sha256 in one pass.</summary>
public static class LayerBlob
{
    public static string MediaType(LayerCompression compression) =>
        compression == LayerCompression.Gzip ? MediaTypes.OciLayerGzip : MediaTypes.OciLayer;

    public static async Task<BuiltLayer> WriteAsync(TarLayer layer, LayerCompression compression, Stream output, CancellationToken ct)
    {
        await using var blob = new DigestingStream(output);
        if (compression == LayerCompression.None)
        {
            await layer.WriteAsync(blob, ct);
            await blob.FlushAsync(ct);
            var digest = blob.Digest();
            return new BuiltLayer(new Descriptor { MediaType = MediaType(compression), Digest = digest, Size = blob.BytesWritten }, digest);
        }
        string diffId;
        await using (var gzip = new GZipStream(blob, CompressionLevel.Fastest, leaveOpen: true))
        await using (var tar = new DigestingStream(gzip))
        {
            await layer.WriteAsync(tar, ct);
            diffId = tar.Digest();
        }
        await blob.FlushAsync(ct);
        return new BuiltLayer(new Descriptor { MediaType = MediaType(compression), Digest = blob.Digest(), Size = blob.BytesWritten }, diffId);
    }
}
