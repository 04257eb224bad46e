using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ModelPipeline.Configuration;

/// <summary>
/// What environment overrides need from pipeline.schema.json (each setting's spelling, its type, an array's items),
/// read with System.Text.Json. Building NJsonSchema's validator takes about 0.1 s per process, so it is built only to
/// validate settings not seen before (<see cref="SchemaMemo"/>), not to place an override. <c>$ref</c> to the
/// schema's <c>definitions</c> is followed; the schema uses no other composition.
/// <para>It also answers, for an override of one value, whether that value meets its setting's own keywords
/// (<see cref="Accepts"/>): settings that passed the schema without their overrides then pass with them, and
/// NJsonSchema's validator is not built (<see cref="ConfigLoader"/>). The answer is yes only for keywords read here,
/// on plain values; anything else is no, and the whole document goes to the validator, which reports.</para>
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

    /// <summary>Keywords that say nothing about a value (<c>definitions</c> is read only through <c>$ref</c>).
    /// </summary>
    private static readonly HashSet<string> Notes =
        ["description", "title", "default", "examples", "$comment", "$schema", "$id", "definitions"];

    /// <summary>Keywords <see cref="Accepts"/> applies to a single value.</summary>
    private static readonly HashSet<string> ValueKeywords = ["type", "enum", "pattern", "minLength", "maxLength",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"];

    /// <summary>Keywords of an object whose properties can each be set alone: adding or changing one named property
    /// that holds a single value cannot break the object's own rules.</summary>
    private static readonly HashSet<string> ObjectKeywords = ["type", "properties", "additionalProperties", "required"];

    /// <summary>An object setting whose named properties can be changed one at a time (see
    /// <see cref="ObjectKeywords"/>).</summary>
    public bool IsPlainObject => Is("object") && OnlyKeywords(ObjectKeywords);

    /// <summary>
    /// True when <paramref name="value"/> certainly meets this setting's keywords: a string (ASCII, so that lengths
    /// and patterns read the same in every validator), a whole number, a number (below 2^53) or a boolean, checked
    /// against <c>type</c> (or, without one, <c>enum</c> alone), <c>enum</c>, <c>pattern</c>, <c>minLength</c>,
    /// <c>maxLength</c> and the bounds. False when it does not, or when the setting has any other keyword: the
    /// schema's validator then decides.
    /// </summary>
    public bool Accepts(JsonNode? value)
    {
        if (value is not JsonValue scalar || !OnlyKeywords(ValueKeywords)
            || _node.TryGetProperty("type", out var type) && type.ValueKind != JsonValueKind.String) return false;
        var ok = (Type, scalar.GetValueKind()) switch
        {
            ("string" or null, JsonValueKind.String) => AcceptsText(scalar.GetValue<string>()),
            ("integer", JsonValueKind.Number) => scalar.TryGetValue<long>(out var whole) && AcceptsNumber(whole),
            ("number" or null, JsonValueKind.Number) => scalar.TryGetValue<long>(out var n) ? AcceptsNumber(n)
                : scalar.TryGetValue<double>(out var d) && AcceptsNumber(d),
            ("boolean" or null, JsonValueKind.True or JsonValueKind.False) => true,
            _ => false,
        };
        return ok && (!_node.TryGetProperty("enum", out var choices) || choices.ValueKind == JsonValueKind.Array
            && choices.EnumerateArray().Any(c => JsonNode.DeepEquals(JsonNode.Parse(c.GetRawText()), value)));
    }

    private bool AcceptsText(string text) =>
        text.All(char.IsAscii)
        && (Number("minLength") is not { } min || text.Length >= min)
        && (Number("maxLength") is not { } max || text.Length <= max)
        && (!_node.TryGetProperty("pattern", out var pattern)
            || pattern.GetString() is { } regex && Matches(text, regex))
        && !_node.TryGetProperty("minimum", out _) && !_node.TryGetProperty("maximum", out _)
        && !_node.TryGetProperty("exclusiveMinimum", out _) && !_node.TryGetProperty("exclusiveMaximum", out _);

    /// <summary>A pattern that cannot be read or takes too long is left to the validator.</summary>
    private static bool Matches(string text, string pattern)
    {
        try
        {
            return Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
        }
        catch (Exception ex) when (ex is ArgumentException or RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private bool AcceptsNumber(double value) =>
        double.IsFinite(value) && Math.Abs(value) < 1L << 53
        && (Number("minimum") is not { } min || value >= min)
        && (Number("maximum") is not { } max || value <= max)
        && (Number("exclusiveMinimum") is not { } above || value > above)
        && (Number("exclusiveMaximum") is not { } below || value < below)
        && !_node.TryGetProperty("pattern", out _) && !_node.TryGetProperty("minLength", out _)
        && !_node.TryGetProperty("maxLength", out _);

    /// <summary>A numeric keyword's value; NaN (which fails every comparison) when it is not a number.</summary>
    private double? Number(string keyword) => _node.TryGetProperty(keyword, out var value)
        ? value.ValueKind == JsonValueKind.Number ? value.GetDouble() : double.NaN
        : null;

    private bool OnlyKeywords(HashSet<string> allowed) =>
        _node.ValueKind == JsonValueKind.Object
        && _node.EnumerateObject().All(p => allowed.Contains(p.Name) || Notes.Contains(p.Name));

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
