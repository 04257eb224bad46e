using System.Text.Json;
using System.Text.Json.Serialization;
using ModelPipeline.Errors;

namespace ModelPipeline.Zoo.Pull;

/// <summary>Reads an image by digest from a blob source, verifying every blob as it streams.</summary>
internal sealed class ImageReader(IBlobSource source)
{
    private const long MaxManifestBytes = 4 * 1024 * 1024;

    public string Source => source.Describe;

    public async Task<VerifyingStream> OpenBlobAsync(Descriptor d, string what, CancellationToken ct)
    {
        if (!ZooLayout.IsDigest(d.Digest))
            throw new OperationFailedException($"{what}: unsupported or malformed digest '{d.Digest}'. Fix: only sha256 digests are supported.");
        return new VerifyingStream(await source.OpenAsync(d, what, ct), d.Digest, d.Size, what);
    }

    /// <summary>Reads and verifies a manifest (following an index to its linux/amd64 or only image).</summary>
    public async Task<ImageManifest> ReadManifestAsync(string digest, CancellationToken ct)
    {
        var doc = await ReadJsonAsync<ImageManifest>(new Descriptor { Digest = digest }, "image manifest", ct);
        if (doc.Manifests is { Count: > 0 } manifests)
        {
            var pick = manifests.FirstOrDefault(m => m.Platform is { Os: "linux", Architecture: "amd64" }) ?? manifests[0];
            doc = await ReadJsonAsync<ImageManifest>(pick, "image manifest", ct);
        }
        if (doc.Layers is null || doc.Config is null)
            throw new OperationFailedException($"image {digest} in {Source} has no config or layers. Fix: re-package the model.");
        return doc;
    }

    public async Task VerifyAsync(Descriptor d, string what, CancellationToken ct)
    {
        await using var stream = await OpenBlobAsync(d, what, ct);
        await stream.DrainAsync(ct);
    }

    private async Task<T> ReadJsonAsync<T>(Descriptor d, string what, CancellationToken ct)
    {
        if (d.Size > MaxManifestBytes) throw new OperationFailedException($"{what} {d.Digest} is larger than {MaxManifestBytes} bytes; refusing it.");
        await using var stream = await OpenBlobAsync(d with { Size = d.Size == 0 ? null : d.Size }, what, ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = await stream.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > MaxManifestBytes) throw new OperationFailedException($"{what} {d.Digest} is larger than {MaxManifestBytes} bytes; refusing it.");
        }
        try
        {
            return JsonSerializer.Deserialize<T>(buffer.ToArray(), Options) ?? throw new JsonException("empty document");
        }
        catch (JsonException ex)
        {
            throw new OperationFailedException($"{what} {d.Digest} is not valid JSON ({ex.Message}). Fix: re-package the model.");
        }
    }

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}

internal sealed record Descriptor
{
    public string MediaType { get; init; } = "";
    public required string Digest { get; init; }
    public long? Size { get; init; }
    public Platform? Platform { get; init; }
}

internal sealed record Platform
{
    public string? Os { get; init; }
    public string? Architecture { get; init; }
}

internal sealed record ImageManifest
{
    public string? MediaType { get; init; }
    public Descriptor? Config { get; init; }
    public IReadOnlyList<Descriptor>? Layers { get; init; }
    [JsonPropertyName("manifests")] public IReadOnlyList<Descriptor>? Manifests { get; init; }
}
