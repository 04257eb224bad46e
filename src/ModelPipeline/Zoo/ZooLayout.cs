using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModelPipeline.Errors;
using ModelPipeline.RunState;

namespace ModelPipeline.Zoo;

/// <summary>
/// Where things live in a zoo working tree:
/// <code>
/// index.json                      every model (derived)
/// models/&lt;name&gt;/index.json        versions and aliases (derived)
/// models/&lt;name&gt;/aliases.json      alias → version (the only mutable file a person sets)
/// models/&lt;name&gt;/vN/              immutable: model.json, README.md, metrics.json, manifest.json, files/
/// </code>
/// </summary>
public static partial class ZooLayout
{
    public const string Latest = "latest";

    /// <summary>The validation record of a version (gates and report); absent in versions published before it existed.</summary>
    public const string ValidationFile = "validation.json";

    /// <summary>Run-state JSON settings, without escaping of characters like ' and é (zoo files are read in diffs).</summary>
    private static readonly JsonSerializerOptions Json = new(RunStateStore.Json) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string ModelsDir(string root) => Path.Combine(root, "models");

    public static string ModelDir(string root, string model) => Path.Combine(root, "models", model);

    public static string VersionDir(string root, string model, int version) => Path.Combine(ModelDir(root, model), $"v{version}");

    public static string ModelIndexPath(string root, string model) => Path.Combine(ModelDir(root, model), "index.json");

    public static string AliasesPath(string root, string model) => Path.Combine(ModelDir(root, model), "aliases.json");

    public static string IndexPath(string root) => Path.Combine(root, "index.json");

    public static string ManifestPath(string root, string model, int version) => Path.Combine(VersionDir(root, model, version), "manifest.json");

    /// <summary>The model folders present (sorted). An empty folder is not one: git holds no empty folders, so it is
    /// what a stopped run left in a clone (a clean clone's sync does not walk the tree to remove it).</summary>
    public static IReadOnlyList<string> Models(string root) =>
        Directory.Exists(ModelsDir(root))
            ? Directory.GetDirectories(ModelsDir(root)).Where(HasEntries).Select(d => Path.GetFileName(d))
                .Where(n => ModelName().IsMatch(n)).Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>The version numbers present for a model (ascending); an empty folder is not a version.</summary>
    public static IReadOnlyList<int> Versions(string root, string model) =>
        Directory.Exists(ModelDir(root, model))
            ? Directory.GetDirectories(ModelDir(root, model)).Where(HasEntries)
                .Select(d => ParseVersion(Path.GetFileName(d)!)).OfType<int>().Order().ToList()
            : [];

    private static bool HasEntries(string dir) => Directory.EnumerateFileSystemEntries(dir).Any();

    /// <summary>N for "vN" (N ≥ 1, no leading zeros), else null.</summary>
    public static int? ParseVersion(string text) =>
        VersionName().IsMatch(text) && int.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    public static bool IsModelName(string name) => ModelName().IsMatch(name);

    public static bool IsAliasName(string name) => AliasName().IsMatch(name) && ParseVersion(name) is null;

    public static bool IsDigest(string text) => DigestPattern().IsMatch(text);

    public static T Read<T>(string path) where T : class
    {
        try
        {
            // Small files: one read and a parse of the bytes is cheaper than the stream reader (1,000 models per step).
            return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), Json)
                ?? throw new OperationFailedException($"zoo file {path} is empty. Fix: repair the zoo repository.");
        }
        catch (JsonException ex)
        {
            throw new OperationFailedException($"zoo file {path} is unreadable ({ex.Message}). Fix: repair the zoo repository.");
        }
    }

    /// <summary>Deterministic JSON (same value, same bytes) ending in a newline.</summary>
    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, Json).ReplaceLineEndings("\n") + "\n";

    public static void Write<T>(string path, T value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, ToJson(value));
    }

    public static SortedDictionary<string, int> ReadAliases(string root, string model) =>
        File.Exists(AliasesPath(root, model))
            ? new SortedDictionary<string, int>(Read<Dictionary<string, int>>(AliasesPath(root, model)), StringComparer.Ordinal)
            : new SortedDictionary<string, int>(StringComparer.Ordinal);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex ModelName();

    [GeneratedRegex("^v[1-9][0-9]{0,8}$")]
    private static partial Regex VersionName();

    [GeneratedRegex("^[a-z][a-z0-9-]{0,39}$")]
    private static partial Regex AliasName();

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex DigestPattern();
}
