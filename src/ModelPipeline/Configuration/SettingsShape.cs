using System.Text.Json;

namespace ModelPipeline.Configuration;

/// <summary>
/// What environment overrides need from pipeline.schema.json (each setting's spelling, its type, an array's items),
/// read with System.Text.Json. Building NJsonSchema's validator takes about 0.1 s per process, so it is built only to
/// validate settings not seen before (<see cref="SchemaMemo"/>), not to place an override. <c>$ref</c> to the
/// schema's <c>definitions</c> is followed; the schema uses no other composition.
/// </summary>
internal sealed class SettingsShape
{
    private static readonly Lazy<JsonElement> Document = new(() =>
        JsonDocument.Parse(Models.ModelLoader.SchemaText("pipeline.schema.json")).RootElement.Clone());

    private readonly JsonElement _node;

    private SettingsShape(JsonElement node)
    {
        if (node.TryGetProperty("$ref", out var reference) && reference.GetString() is { } to
            && to.StartsWith("#/definitions/", StringComparison.Ordinal))
            node = Document.Value.GetProperty("definitions").GetProperty(to["#/definitions/".Length..]);
        _node = node;
    }

    public static SettingsShape Root => new(Document.Value);

    /// <summary>The schema's type keyword ("string", "integer", "array", …); null when it has none.</summary>
    public string? Type => _node.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
        ? type.GetString() : null;

    public bool Is(string type) => Type == type;

    /// <summary>An array's items.</summary>
    public SettingsShape? Items => _node.TryGetProperty("items", out var items) ? new SettingsShape(items) : null;

    /// <summary>The property named <paramref name="name"/> in any case: its spelling in the schema and its shape.</summary>
    public (string Name, SettingsShape Shape)? Property(string name)
    {
        if (!_node.TryGetProperty("properties", out var properties)) return null;
        foreach (var property in properties.EnumerateObject())
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                return (property.Name, new SettingsShape(property.Value));
        return null;
    }
}
