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
/// e.g. <c>MODELPIPE_WORKSPACE__ARTIFACTSDIR=/tmp/a</c>. A number after an array names an element, as in
/// .NET configuration: <c>MODELPIPE_ZOO__MIRRORS__0__URL</c> (an index one past the end adds an element).
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
            var text = DefinitionFile.TryRead(path, out var unreadable)
                ?? throw new InvalidInputException($"{display}: {unreadable}");
            try
            {
                root = JsonNode.Parse(text) as JsonObject
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

        environment ??= Environment.GetEnvironmentVariables();
        var before = root.ToJsonString();
        var overrides = ApplyOverrides(root, environment);
        var json = overrides.Count == 0 ? before : root.ToJsonString();
        var problems = new List<string>();
        using (var document = JsonDocument.Parse(json))
        {
            DefinitionFile.CheckStrings(document.RootElement, "$", (at, why) => problems.Add($"{display}: {at}: {why}"));
            SettingsCheck.ControlCharacters(document.RootElement, "$", (at, why) => problems.Add($"{display}: {at}: {why}"));
        }
        if (problems.Count > 0)
            throw new InvalidInputException($"{display} is invalid ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):", problems);
        // Settings that passed without their overrides pass with them when each override is one value its setting's
        // own keywords accept (a CI job's registry, say): the validator is built only for settings not seen before.
        // Such settings are not remembered themselves (the check is cheap, and values that change from run to run
        // would fill the memo).
        var settled = overrides.Count > 0 && overrides.All(o => o.Shape?.Accepts(o.Container?[o.Name]) == true)
            && SchemaMemo.Passed("pipeline.schema.json", before, environment);
        if (!settled) SchemaMemo.Check("pipeline.schema.json", json, () =>
        {
            problems.AddRange(Schema.Value.Validate(json)
                .Select(e => $"{display}{(IsOverridden(e, overrides) ? " (after environment overrides)" : "")}: " +
                    SchemaMessages.Describe(e, SchemaMessages.PipelineJson)));
            if (problems.Count > 0)
                throw new InvalidInputException($"{display} is invalid ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):", problems);
            return true;
        }, environment);

        var config = root.Deserialize<PipelineConfig>(ModelLoader.JsonOptions) ?? new PipelineConfig();
        return config with { RepoRoot = repoRoot };
    }

    private static bool IsOverridden(ValidationError e, List<Override> overrides) =>
        overrides.Any(o => SchemaMessages.JsonPath(e.Path).Contains(o.Path, StringComparison.OrdinalIgnoreCase));

    /// <summary>One applied override: its dotted path and, when it set one named property of objects that were all
    /// there before and whose shapes allow that (<see cref="SettingsShape.IsPlainObject"/>), the object, the
    /// property's name and shape. Otherwise (an array element, a new object, a name the schema lacks) no shape.
    /// </summary>
    private sealed record Override(string Path, JsonObject? Container, string Name, SettingsShape? Shape);

    private static List<Override> ApplyOverrides(JsonObject root, IDictionary environment)
    {
        var applied = new List<Override>();
        foreach (DictionaryEntry entry in environment)
        {
            var key = (string)entry.Key;
            if (!key.StartsWith(EnvPrefix, StringComparison.OrdinalIgnoreCase) || !key.Contains("__", StringComparison.Ordinal)) continue;
            var parts = key[EnvPrefix.Length..].Split("__");
            if (parts.Any(string.IsNullOrEmpty)) continue;
            JsonNode node = root;
            SettingsShape? schema = SettingsShape.Root;
            var plain = true;
            var path = string.Join('.', parts);
            Override? set = null;
            for (var i = 0; i < parts.Length; i++)
            {
                var last = i == parts.Length - 1;
                if (node is JsonArray array)
                {
                    plain = false;
                    // An array element by index, as .NET configuration reads MODELPIPE_ZOO__MIRRORS__0__URL.
                    var index = Index(key, parts[i], array.Count);
                    schema = schema?.Items;
                    if (index == array.Count) array.Add(last ? null : new JsonObject());
                    if (last) array[index] = Coerce(array[index], schema, (string?)entry.Value ?? "");
                    else node = array[index] ??= new JsonObject();
                    continue;
                }
                var obj = (JsonObject)node;
                plain = plain && schema?.IsPlainObject == true;
                var name = Match(obj, schema, parts[i], out schema);
                if (last)
                {
                    obj[name] = Coerce(obj[name], schema, (string?)entry.Value ?? "");
                    set = new Override(path, obj, name, plain ? schema : null);
                    break;
                }
                var isArray = schema?.Is("array") == true && int.TryParse(parts[i + 1], out _);
                if (obj[name] is not (JsonObject or JsonArray) || (isArray && obj[name] is JsonObject))
                {
                    obj[name] = isArray ? new JsonArray() : new JsonObject();
                    plain = false;
                }
                node = obj[name]!;
            }
            applied.Add(set ?? new Override(path, null, "", null));
        }
        return applied;
    }

    private static int Index(string variable, string part, int count)
    {
        if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
            throw new InvalidInputException($"{variable}: '{part}' is not an array index here. Fix: name an element by its index, "
                + $"e.g. {variable.Replace("__" + part, "__0", StringComparison.Ordinal)}.");
        if (index > count)
            throw new InvalidInputException($"{variable}: index {index} would leave a gap (the list has {count} entr{(count == 1 ? "y" : "ies")}). "
                + $"Fix: use an index from 0 to {count}.");
        return index;
    }

    /// <summary>The property's spelling in the file, else in the schema, else as given (the schema then reports it).</summary>
    private static string Match(JsonObject node, SettingsShape? schema, string name, out SettingsShape? child)
    {
        var property = schema?.Property(name);
        child = property?.Shape;
        return node.Select(p => p.Key).FirstOrDefault(k => k.Equals(name, StringComparison.OrdinalIgnoreCase))
            ?? property?.Name
            ?? name.ToLowerInvariant();
    }

    private static JsonNode? Coerce(JsonNode? existing, SettingsShape? schema, string value)
    {
        var kind = existing?.GetValueKind();
        var numeric = kind is JsonValueKind.Number || schema?.Type is "integer" or "number";
        if (numeric && double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var n))
            return n % 1 == 0 ? JsonValue.Create((long)n) : JsonValue.Create(n);
        var boolean = kind is JsonValueKind.True or JsonValueKind.False || schema?.Is("boolean") == true;
        if (boolean && bool.TryParse(value, out var b)) return JsonValue.Create(b);
        var structured = kind is JsonValueKind.Array or JsonValueKind.Object || schema?.Type is "array" or "object";
        if (structured)
        {
            try { return JsonNode.Parse(value); } catch (JsonException) { return JsonValue.Create(value); }
        }
        return JsonValue.Create(value);
    }
}
