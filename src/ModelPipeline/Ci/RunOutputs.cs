using System.Text;
using System.Text.Json.Nodes;

namespace ModelPipeline.Ci;

/// <summary>
/// What the run state says the steps produced, as CI-native outputs: <c>image-digest</c>
/// (model=sha256:…), <c>zoo-version</c> (model=vN) and <c>pr-url</c> (model=URL), each a
/// space-separated list over the models that have one.
/// </summary>
public static class RunOutputs
{
    public static IReadOnlyList<KeyValuePair<string, string>> Read(string artifactsDir, IEnumerable<string> models)
    {
        var digests = new List<string>();
        var versions = new List<string>();
        var prs = new List<string>();
        foreach (var model in models.Order(StringComparer.Ordinal))
        {
            var current = Field(Path.Combine(artifactsDir, model, "current.json"), "trainingKey");
            if (current is not null)
            {
                var run = Path.Combine(artifactsDir, model, "runs", current);
                if (Field(Path.Combine(run, "package.json"), "digest") is { } digest) digests.Add($"{model}={digest}");
                if (Field(Path.Combine(run, "zoo.json"), "version") is { } version) versions.Add($"{model}=v{version}");
            }
            if (NewestPullRequest(Path.Combine(artifactsDir, model)) is { } url) prs.Add($"{model}={url}");
        }
        return
        [
            new("image-digest", string.Join(' ', digests)),
            new("zoo-version", string.Join(' ', versions)),
            new("pr-url", string.Join(' ', prs)),
        ];
    }

    /// <summary>The outputs in a CI's own format: GitHub step outputs, a GitLab dotenv report, or one line per key.</summary>
    public static string Format(IReadOnlyList<KeyValuePair<string, string>> outputs, string format, int maxBytes) => format switch
    {
        "github" => string.Concat(outputs.Select(o => $"{o.Key}={Cap(o.Value, maxBytes)}\n")),
        "dotenv" => string.Concat(outputs.Select(o => $"{o.Key.Replace('-', '_').ToUpperInvariant()}={Cap(o.Value, maxBytes)}\n")),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "github or dotenv"),
    };

    /// <summary>Tekton: one file per result in the results folder, each within <paramref name="maxBytes"/>.</summary>
    public static void WriteTektonResults(IReadOnlyList<KeyValuePair<string, string>> outputs, string resultsDir, int maxBytes)
    {
        Directory.CreateDirectory(resultsDir);
        foreach (var (key, value) in outputs)
            File.WriteAllText(Path.Combine(resultsDir, key), Cap(value, maxBytes), new UTF8Encoding(false));
    }

    /// <summary>Whole entries only; when they do not fit, as many as fit and how many were left out.</summary>
    public static string Cap(string value, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(value) <= maxBytes) return value;
        var entries = value.Split(' ');
        for (var n = entries.Length - 1; n >= 0; n--)
        {
            var text = string.Join(' ', entries.Take(n).Append($"(+{entries.Length - n} more in artifacts/)"));
            if (Encoding.UTF8.GetByteCount(text) <= maxBytes) return text;
        }
        return "";
    }

    private static string? NewestPullRequest(string modelDir)
    {
        var promotions = Path.Combine(modelDir, "promotions");
        if (!Directory.Exists(promotions)) return null;
        return Directory.EnumerateFiles(promotions, "pr.json", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .Select(f => Field(f, "url"))
            .FirstOrDefault(u => !string.IsNullOrEmpty(u));
    }

    private static string? Field(string path, string name)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?[name]?.ToString();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
