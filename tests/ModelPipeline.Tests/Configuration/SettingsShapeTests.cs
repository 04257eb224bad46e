using System.Text.Json.Nodes;
using ModelPipeline.Configuration;
using ModelPipeline.Models;

namespace ModelPipeline.Tests.Configuration;

/// <summary>
/// Environment overrides read each setting's spelling and type from the schema text (<see cref="SettingsShape"/>),
/// not from NJsonSchema's validator: both must agree on every setting the schema names. A value that
/// <see cref="SettingsShape.Accepts"/> lets through without the validator must be one the validator accepts.
/// </summary>
public sealed class SettingsShapeTests
{
    [Fact]
    public void Every_setting_has_the_spelling_and_type_the_validator_reads()
    {
        var schema = ModelLoader.LoadSchema("pipeline.schema.json");
        var compared = Compare(schema, SettingsShape.Root, "$");
        Assert.True(compared > 100, $"only {compared} settings compared");
    }

    /// <summary>
    /// Every single-value setting reached through objects whose properties can be set alone, with values of each
    /// kind (its enum among them): whenever the shape accepts a value, the validator finds no
    /// more problems in settings holding that value than in the same settings without it.
    /// </summary>
    [Fact]
    public void A_value_the_settings_shape_accepts_is_one_the_validator_accepts()
    {
        var schema = ModelLoader.LoadSchema("pipeline.schema.json");
        var (accepted, refused) = (0, 0);
        foreach (var (path, expected, actual) in Leaves(schema, SettingsShape.Root, []))
        {
            foreach (var value in Candidates(expected))
            {
                if (!actual.Accepts(value))
                {
                    refused++;
                    continue;
                }
                accepted++;
                var without = Problems(schema, path, null);
                var with = Problems(schema, path, value);
                Assert.True(with <= without,
                    $"$.{string.Join('.', path)} = {value!.ToJsonString()}: accepted, but the validator found {with} "
                    + $"problem(s) against {without} without it");
            }
        }
        // Both answers were given often: the shape neither refuses everything nor lets everything through.
        Assert.True(accepted > 150 && refused > 500, $"{accepted} accepted, {refused} refused");
    }

    private static int Problems(NJsonSchema.JsonSchema schema, IReadOnlyList<string> path, JsonNode? value)
    {
        var root = new JsonObject();
        var node = root;
        foreach (var name in path.SkipLast(1)) node = (JsonObject)(node[name] = new JsonObject());
        if (value is not null) node[path[^1]] = value.DeepClone();
        return schema.Validate(root.ToJsonString()).Count;
    }

    private static IEnumerable<(List<string> Path, NJsonSchema.JsonSchema Expected, SettingsShape Actual)> Leaves(
        NJsonSchema.JsonSchema expected, SettingsShape actual, List<string> path)
    {
        expected = expected.ActualSchema;
        if (!actual.IsPlainObject)
        {
            if (path.Count > 0 && actual.Type is not ("object" or "array"))
                yield return (path, expected, actual);
            yield break;
        }
        foreach (var (name, property) in expected.ActualProperties)
            foreach (var leaf in Leaves(property, actual.Property(name)!.Value.Shape, [.. path, name]))
                yield return leaf;
    }

    private static IEnumerable<JsonNode?> Candidates(NJsonSchema.JsonSchema leaf)
    {
        string[] texts = ["", "a", "main", "Main", "x y", "a\tb", "é", "../etc", "127.0.0.1:5000/bench",
            "registry.example.com/team/model", "https://example.com/zoo.git", "git@example.com:zoo.git",
            "s3://bucket/key", "sha256:" + new string('a', 64), "registry", "oci-layout", "gzip", "none",
            "{model}-{key12}", "models/{model}", "0 3 * * *", "1h", "PT1H", new string('x', 300)];
        foreach (var text in texts) yield return JsonValue.Create(text);
        foreach (var number in new long[] { -1, 0, 1, 2, 3, 10, 11, 30, 100, 65535, 65536, 1L << 40 })
            yield return JsonValue.Create(number);
        foreach (var number in new[] { 0.5, 1.5, -0.5, 1e12 }) yield return JsonValue.Create(number);
        yield return JsonValue.Create(true);
        yield return JsonValue.Create(false);
        foreach (var known in leaf.Enumeration)
            if (known is not null && JsonNode.Parse(Newtonsoft.Json.JsonConvert.SerializeObject(known)) is JsonValue v)
                yield return v;
    }

    private static int Compare(NJsonSchema.JsonSchema expected, SettingsShape actual, string at)
    {
        expected = expected.ActualSchema;
        Assert.True(TypeName(expected.Type) == actual.Type, $"{at}: {expected.Type} vs {actual.Type}");
        var count = 1;
        if (expected.Item is { } item)
            count += Compare(item, actual.Items ?? throw new Xunit.Sdk.XunitException($"{at}: no items"), at + "[]");
        foreach (var (name, property) in expected.ActualProperties)
        {
            var found = actual.Property(name.ToUpperInvariant())
                ?? throw new Xunit.Sdk.XunitException($"{at}.{name}: not found");
            Assert.Equal(name, found.Name);
            count += Compare(property, found.Shape, $"{at}.{name}");
        }
        Assert.Null(actual.Property("noSuchSetting"));
        return count;
    }

    private static string? TypeName(NJsonSchema.JsonObjectType type) => type switch
    {
        NJsonSchema.JsonObjectType.None => null,
        _ => type.ToString().ToLowerInvariant(),
    };
}
