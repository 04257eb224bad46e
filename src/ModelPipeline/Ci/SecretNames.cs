using System.Text.Json.Nodes;
using ModelPipeline.Errors;

namespace ModelPipeline.Ci;

/// <summary>
/// The environment variables a settings file names for secrets: every <c>…Env</c> setting
/// (registry, zoo and mirrors, GitOps, forge, training backends, and whatever is added later),
/// from the file itself and from the schema's defaults for the settings the file leaves out.
/// </summary>
public static class SecretNames
{
    public static IReadOnlyList<string> From(string settingsFile, string schemaFile)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        CollectValues(Parse(settingsFile), names);
        CollectDefaults(Parse(schemaFile), names);
        return names.ToList();
    }

    private static JsonNode? Parse(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or IOException)
        {
            throw new InvalidInputException($"{path}: cannot read it ({ex.Message}). Fix: the CI settings files must be valid JSON.");
        }
    }

    private static bool IsEnvSetting(string key) => key.Length > 3 && key.EndsWith("Env", StringComparison.Ordinal);

    private static void CollectValues(JsonNode? node, SortedSet<string> names)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (IsEnvSetting(key) && value is JsonValue v && v.TryGetValue<string>(out var name) && name.Length > 0) names.Add(name);
                    else CollectValues(value, names);
                }
                break;
            case JsonArray array:
                foreach (var item in array) CollectValues(item, names);
                break;
        }
    }

    /// <summary>Schema properties named <c>…Env</c> with a default: the variable a setting uses when the file omits it.</summary>
    private static void CollectDefaults(JsonNode? node, SortedSet<string> names)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["properties"] is JsonObject properties)
                    foreach (var (key, property) in properties)
                        if (IsEnvSetting(key) && property?["default"] is JsonValue d && d.TryGetValue<string>(out var name) && name.Length > 0) names.Add(name);
                foreach (var (_, value) in obj) CollectDefaults(value, names);
                break;
            case JsonArray array:
                foreach (var item in array) CollectDefaults(item, names);
                break;
        }
    }
}
