using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace ModelPipeline.Tests.Ci;

/// <summary>
/// A Kubernetes CRD's openAPIV3Schema as a strict JSON Schema: like the API server with field
/// validation Strict, an object with declared properties rejects unknown fields unless the CRD
/// preserves them (x-kubernetes-preserve-unknown-fields) or declares additionalProperties.
/// Every schema here (CRDs and the published CI schemas) is evaluated by JsonSchema.Net, which applies every
/// keyword of the draft a schema declares (if/then/else, const, dependencies included); <c>format</c> stays an
/// annotation, as the drafts have it by default.
/// </summary>
public static class CrdSchema
{
    private static readonly string Dir = Path.Combine(Support.TestWorld.RepoRoot(), "tests", "ModelPipeline.Tests", "Ci", "Schemas");

    public static string PathOf(string file) => Path.Combine(Dir, file);

    public static JsonSchema Load(string crdFile, string version)
    {
        var crd = YamlJson.Documents(File.ReadAllText(PathOf(crdFile))).Single()!;
        var schema = crd["spec"]!["versions"]!.AsArray().Single(v => (string?)v!["name"] == version)!["schema"]!["openAPIV3Schema"]!.DeepClone();
        Strict(schema);
        // OpenAPI v3 schema objects are a JSON Schema subset of its era: draft-07 evaluates every keyword they use
        // and keeps the x-kubernetes-* extensions as annotations.
        return JsonSchema.FromText(schema.ToJsonString(), new BuildOptions { Dialect = Dialect.Draft07 });
    }

    /// <summary>Walks schema nodes only (not the property-name maps, where a field may be called "properties").</summary>
    private static void Strict(JsonNode? node)
    {
        if (node is not JsonObject schema) return;
        var preserve = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        if (schema["x-kubernetes-int-or-string"]?.GetValue<bool>() == true && schema["anyOf"] is null)
            schema["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" });
        if (schema["properties"] is JsonObject properties)
        {
            if (schema["additionalProperties"] is null && !preserve) schema["additionalProperties"] = false;
            foreach (var (_, property) in properties) Strict(property);
        }
        Strict(schema["additionalProperties"]);
        Strict(schema["not"]);
        if (schema["items"] is JsonArray tuple) foreach (var item in tuple) Strict(item);
        else Strict(schema["items"]);
        foreach (var combinator in new[] { "allOf", "anyOf", "oneOf" })
            if (schema[combinator] is JsonArray options) foreach (var option in options) Strict(option);
    }

    /// <summary>The failing leaves of an evaluation: instance location, keyword and message, one a line.</summary>
    public static List<string> Errors(JsonSchema schema, JsonNode? document)
    {
        using var json = JsonDocument.Parse(document?.ToJsonString() ?? "null");
        var results = schema.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid) return [];
        return (results.Details ?? [])
            .Where(d => !d.IsValid && d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
            .Distinct().ToList();
    }
}
