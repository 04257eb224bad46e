using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ModelPipeline.Oci;

/// <summary>An OCI image manifest.</summary>
public sealed record ImageManifest
{
    public int SchemaVersion { get; init; } = 2;
    public string MediaType { get; init; } = MediaTypes.OciManifest;
    public required Descriptor Config { get; init; }
    public required IReadOnlyList<Descriptor> Layers { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}

/// <summary>An OCI image index (the layout's index.json).</summary>
public sealed record ImageIndex
{
    public int SchemaVersion { get; init; } = 2;
    public string MediaType { get; init; } = MediaTypes.OciIndex;
    public IReadOnlyList<Descriptor> Manifests { get; init; } = [];
}

/// <summary>Canonical JSON for OCI documents: compact, fixed property order, so bytes (and digests) are stable.</summary>
public static class OciJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T Deserialize<T>(ReadOnlySpan<byte> bytes, string what) =>
        JsonSerializer.Deserialize<T>(bytes, Options)
        ?? throw new Errors.OperationFailedException($"{what} is empty or not a JSON object.");

    /// <summary>The image config: the base's config with our labels, diff_ids and history (one entry per layer) appended.</summary>
    public static byte[] Config(BaseImage baseImage, IReadOnlyList<string> diffIds, DateTimeOffset created,
        IReadOnlyDictionary<string, string> labels, IReadOnlyList<string> history)
    {
        var config = baseImage.Config?.DeepClone().AsObject() ?? new JsonObject { ["architecture"] = "amd64", ["os"] = "linux" };
        config["created"] = Timestamp(created);
        var runtime = config["config"] as JsonObject ?? [];
        config["config"] = runtime;
        var merged = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (runtime["Labels"] is JsonObject existing)
            foreach (var (k, v) in existing) if (v is not null) merged[k] = v.ToString();
        foreach (var (k, v) in labels) merged[k] = v;
        runtime["Labels"] = new JsonObject(merged.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
        var rootfs = config["rootfs"] as JsonObject ?? new JsonObject { ["type"] = "layers" };
        var ids = rootfs["diff_ids"] as JsonArray ?? [];
        foreach (var id in diffIds) ids.Add(id);
        rootfs["diff_ids"] = ids;
        config["rootfs"] = rootfs;
        var historyArray = config["history"] as JsonArray ?? [];
        foreach (var step in history) historyArray.Add(new JsonObject { ["created"] = Timestamp(created), ["created_by"] = step });
        config["history"] = historyArray;
        return JsonSerializer.SerializeToUtf8Bytes(config, Options);
    }

    public static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
