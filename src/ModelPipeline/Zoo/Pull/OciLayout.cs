using System.Text.Json;
using System.Text.Json.Serialization;
using ModelPipeline.Errors;

namespace ModelPipeline.Zoo.Pull;

/// <summary>An OCI image layout directory (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/sha256/…</c>) read by digest.</summary>
internal sealed class OciLayout
{
    private const long MaxManifestBytes = 4 * 1024 * 1024;

    public OciLayout(string dir)
    {
        Dir = Path.GetFullPath(dir);
        if (!File.Exists(Path.Combine(Dir, "oci-layout")))
            throw new InvalidInputException($"{Dir} is not an OCI image layout (no oci-layout file). Fix: pass --layout DIR of the layout PackageModelCar wrote, or set $.zoo.ociLayout in pipeline.json.");
    }

    public string Dir { get; }

    public VerifyingStream OpenBlob(Descriptor d, string what)
    {
        if (!ZooLayout.IsDigest(d.Digest))
            throw new OperationFailedException($"{what}: unsupported or malformed digest '{d.Digest}'. Fix: only sha256 digests are supported.");
        var path = Path.Combine(Dir, "blobs", "sha256", d.Digest["sha256:".Length..]);
        if (!File.Exists(path))
            throw new OperationFailedException($"{what} {d.Digest} is not in the OCI layout {Dir}. Fix: run PackageModelCar into this layout, or pass --layout DIR.");
        return new VerifyingStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan), d.Digest, d.Size, what);
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
            throw new OperationFailedException($"image {digest} in {Dir} has no config or layers. Fix: re-package the model.");
        return doc;
    }

    public async Task VerifyAsync(Descriptor d, string what, CancellationToken ct)
    {
        await using var stream = OpenBlob(d, what);
        await stream.DrainAsync(ct);
    }

    private async Task<T> ReadJsonAsync<T>(Descriptor d, string what, CancellationToken ct)
    {
        if (d.Size > MaxManifestBytes) throw new OperationFailedException($"{what} {d.Digest} is larger than {MaxManifestBytes} bytes; refusing it.");
        await using var stream = OpenBlob(d with { Size = d.Size == 0 ? null : d.Size }, what);
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
