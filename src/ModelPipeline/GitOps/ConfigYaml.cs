using System.Text.Json;
using ModelPipeline.Errors;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace ModelPipeline.GitOps;

/// <summary>
/// Writes and reads <c>config.yaml</c> with YamlDotNet (never string templates). Output is stable:
/// fixed key order, sorted serving values, LF line endings, so writing the same content again is
/// byte-identical and makes no commit. Reading keeps scalar types (numbers stay numbers), so a file
/// read and written again comes out byte for byte the same.
/// </summary>
public static class ConfigYaml
{
    // YAML 1.1 readers (Helm, Argo CD) take yes/on/off/y/n as booleans and 1e3 as a number: such
    // strings are quoted too, so a model named "yes" or "1e3" stays a string.
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings(quoteYaml1_1Strings: true)
        .WithEventEmitter(inner => new QuoteAmbiguousStrings(inner))
        .DisableAliases()
        .WithNewLine("\n")
        .Build();

    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithAttemptingUnquotedStringTypeDeserialization()
        .IgnoreUnmatchedProperties()
        .Build();

    /// <summary>
    /// The file's text: the keys in <see cref="EnvironmentConfig"/>'s order, written as a map (the same text as the
    /// record's, without YamlDotNet reading the record's attributes again for every file: 1,000 pins per run).
    /// </summary>
    public static string Serialize(EnvironmentConfig config) =>
        Serializer.Serialize(new OrderedDictionary<string, object?>
    {
        ["name"] = config.Name,
        ["environment"] = config.Environment,
        ["model_version"] = config.ModelVersion,
        ["image_repository"] = config.ImageRepository,
        ["image_digest"] = config.ImageDigest,
        ["storage_uri"] = config.StorageUri,
        ["runtime"] = config.Runtime,
        ["chart_path"] = config.ChartPath,
        ["training_key"] = config.TrainingKey,
        ["serving"] = Sorted(config.Serving),
    });

    /// <summary>
    /// Parsed files by their text, for this process: UpdateGitOps reads each model's test and prod file, and the
    /// report's history the same texts again (1,000 models: thousands of parses). The configs are never changed.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, EnvironmentConfig> Parsed =
        new(StringComparer.Ordinal);

    public static EnvironmentConfig Parse(string yaml, string where)
    {
        if (Parsed.TryGetValue(yaml, out var known)) return known;
        try
        {
            var config = Deserializer.Deserialize<EnvironmentConfig?>(yaml)
                ?? throw new OperationFailedException($"{where} is empty. Fix: restore it from the GitOps repository's history.");
            config = config with { Serving = Sorted(config.Serving) };
            if (Parsed.Count >= 20_000) Parsed.Clear();
            Parsed[yaml] = config;
            return config;
        }
        catch (YamlException ex)
        {
            throw new OperationFailedException($"{where} is not a valid config.yaml (line {ex.Start.Line}: {ex.Message}). Fix: correct it in the GitOps repository or re-run UpdateGitOps.");
        }
    }

    /// <summary>Plain values (dictionaries, lists, strings, numbers, booleans) from model.json's serving values.</summary>
    public static SortedDictionary<string, object?> FromJson(IReadOnlyDictionary<string, JsonElement> values)
    {
        var result = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in values) result[key] = Plain(value);
        return result;
    }

    private static object? Plain(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => new SortedDictionary<string, object?>(
            e.EnumerateObject().ToDictionary(p => p.Name, p => Plain(p.Value)), StringComparer.Ordinal),
        JsonValueKind.Array => e.EnumerateArray().Select(Plain).ToList(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static SortedDictionary<string, object?> Sorted(IDictionary<string, object?>? values)
    {
        var result = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        if (values is null) return result;
        foreach (var (key, value) in values) result[key] = SortedValue(value);
        return result;
    }

    private static object? SortedValue(object? value) => value switch
    {
        IDictionary<object, object?> map => new SortedDictionary<string, object?>(
            map.ToDictionary(p => Convert.ToString(p.Key, System.Globalization.CultureInfo.InvariantCulture) ?? "", p => SortedValue(p.Value)), StringComparer.Ordinal),
        IDictionary<string, object?> map => Sorted(map),
        IList<object?> list => list.Select(SortedValue).ToList(),
        _ => value,
    };
}
