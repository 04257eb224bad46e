using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelPipeline.Errors;
using ModelPipeline.Models;
using NJsonSchema.Validation;

namespace ModelPipeline.Configuration;

/// <summary>
/// Loads <c>pipeline.json</c>, applies environment overrides, validates against the schema.
/// An override is <c>MODELPIPE_&lt;SECTION&gt;__&lt;KEY&gt;</c> (case-insensitive, <c>__</c> between levels),
/// e.g. <c>MODELPIPE_WORKSPACE__ARTIFACTSDIR=/tmp/a</c>.
/// </summary>
public static class ConfigLoader
{
    public const string EnvPrefix = "MODELPIPE_";
    private static readonly Lazy<NJsonSchema.JsonSchema> Schema = new(() => ModelLoader.LoadSchema("pipeline.schema.json"));

    public static PipelineConfig Load(string repoRoot, string? configPath = null, IDictionary? environment = null)
    {
        repoRoot = Path.GetFullPath(repoRoot);
        var path = configPath is null ? Path.Combine(repoRoot, "pipeline.json") : Path.GetFullPath(configPath);
        var display = ModelLoader.Display(path, repoRoot);
        JsonObject root;
        if (File.Exists(path))
        {
            try
            {
                root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                    ?? throw new InvalidInputException($"{display}: the top level must be a JSON object. Fix: wrap the settings in {{ }}.");
            }
            catch (JsonException ex)
            {
                throw new InvalidInputException($"{display}: malformed JSON at line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}. Fix: correct the JSON syntax.");
            }
        }
        else if (configPath is not null)
        {
            throw new InvalidInputException($"{display}: file not found. Fix: pass an existing --config file.");
        }
        else
        {
            root = [];
        }

        var overrides = ApplyOverrides(root, environment ?? Environment.GetEnvironmentVariables());
        var problems = Schema.Value.Validate(root.ToJsonString())
            .Select(e => $"{display}{(IsOverridden(e, overrides) ? " (after environment overrides)" : "")}: {SchemaMessages.Describe(e)}")
            .ToList();
        if (problems.Count > 0)
            throw new InvalidInputException($"{display} is invalid ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):", problems);

        var config = root.Deserialize<PipelineConfig>(ModelLoader.JsonOptions) ?? new PipelineConfig();
        return config with { RepoRoot = repoRoot };
    }

    private static bool IsOverridden(ValidationError e, List<string> overrides) =>
        overrides.Any(o => SchemaMessages.JsonPath(e.Path).Contains(o, StringComparison.OrdinalIgnoreCase));

    private static List<string> ApplyOverrides(JsonObject root, IDictionary environment)
    {
        var applied = new List<string>();
        foreach (DictionaryEntry entry in environment)
        {
            var key = (string)entry.Key;
            if (!key.StartsWith(EnvPrefix, StringComparison.OrdinalIgnoreCase) || !key.Contains("__", StringComparison.Ordinal)) continue;
            var parts = key[EnvPrefix.Length..].Split("__");
            if (parts.Any(string.IsNullOrEmpty)) continue;
            JsonObject node = root;
            for (var i = 0; i < parts.Length - 1; i++)
            {
                var name = Match(node, parts[i]);
                if (node[name] is not JsonObject child) { child = []; node[name] = child; }
                node = child;
            }
            var leaf = Match(node, parts[^1]);
            node[leaf] = Coerce(node[leaf], (string?)entry.Value ?? "");
            applied.Add(string.Join('.', parts));
        }
        return applied;
    }

    private static string Match(JsonObject node, string name) =>
        node.Select(p => p.Key).FirstOrDefault(k => k.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? char.ToLowerInvariant(name[0]) + name[1..].ToLowerInvariant();

    private static JsonNode? Coerce(JsonNode? existing, string value)
    {
        var kind = existing?.GetValueKind();
        if (kind is JsonValueKind.Number && double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var n))
            return n % 1 == 0 ? JsonValue.Create((long)n) : JsonValue.Create(n);
        if (kind is JsonValueKind.True or JsonValueKind.False && bool.TryParse(value, out var b)) return JsonValue.Create(b);
        if (kind is JsonValueKind.Array or JsonValueKind.Object)
        {
            try { return JsonNode.Parse(value); } catch (JsonException) { return JsonValue.Create(value); }
        }
        return JsonValue.Create(value);
    }
}
