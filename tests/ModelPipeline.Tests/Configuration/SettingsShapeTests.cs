using ModelPipeline.Configuration;
using ModelPipeline.Models;

namespace ModelPipeline.Tests.Configuration;

/// <summary>
/// Environment overrides read each setting's spelling and type from the schema text (<see cref="SettingsShape"/>),
/// not from NJsonSchema's validator: both must agree on every setting the schema names.
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
