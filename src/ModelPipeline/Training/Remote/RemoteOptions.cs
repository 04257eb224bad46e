using System.Text.Json;
using System.Text.Json.Nodes;
using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Models;

namespace ModelPipeline.Training.Remote;

/// <summary>
/// The settings of a remote backend: pipeline.json's <c>training.&lt;backend&gt;</c> defaults overlaid
/// key by key with the model's <c>training.options</c>, then checked. Every problem is reported at
/// once (exit 2) before anything is submitted.
/// </summary>
public static class RemoteOptions
{
    /// <summary>Keys whose values name environment variables that hold secrets.</summary>
    private static readonly string[] SecretKeys = ["tokenEnv", "accessKeyEnv", "secretKeyEnv"];

    public static T Resolve<T>(ModelDefinition model, PipelineConfig config, string backend, Action<T, Action<string, string>> check)
    {
        var merged = new JsonObject();
        var defaults = backend == "kfp" ? config.Training.Kfp : config.Training.Runpod;
        foreach (var (k, v) in defaults) merged[k] = JsonNode.Parse(v.GetRawText());
        foreach (var (k, v) in model.Training.Options)
            merged[k] = merged[k] is JsonObject baseObject && JsonNode.Parse(v.GetRawText()) is JsonObject over ? Overlay(baseObject, over) : JsonNode.Parse(v.GetRawText());

        var problems = new List<string>();
        var prefix = $"model '{model.Name}', models/{model.Name}/model.json";
        void Problem(string field, string text) => problems.Add($"{prefix}: $.training.options.{field}: {text}");
        T options;
        try
        {
            options = merged.Deserialize<T>(ModelLoader.JsonOptions)!;
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException($"{prefix}: $.training.options{ex.Path?.TrimStart('$')}: {ex.Message.Split(". ")[0]}. Fix: give the type the schema asks for.") { Model = model.Name };
        }
        var known = typeof(T).GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var (k, _) in merged)
            if (!known.Contains(k))
                Problem(k, $"not a {backend} setting. Fix: use one of {string.Join(", ", known.Where(n => n is not ("link" or "outputUriFor")).Order(StringComparer.Ordinal))}.");
        for (var i = 0; i < model.Data.Count; i++)
            if (model.Data[i].Kind == DataSourceKind.File)
                problems.Add($"{prefix}: $.data[{i}].file: a {backend} trainer runs elsewhere and cannot read '{model.Data[i].File}' on this machine. Fix: publish the file and use a \"url\" + \"sha256\" (or \"git\") source.");
        check(options, Problem);
        if (problems.Count > 0)
            throw new InvalidInputException($"model '{model.Name}': the {backend} training settings are invalid ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):", problems) { Model = model.Name };
        return options;
    }

    /// <summary>Reads a secret from the environment variable <paramref name="variable"/>, registers it with the redactor.</summary>
    public static string? Secret(string? variable)
    {
        if (string.IsNullOrEmpty(variable)) return null;
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(value)) return null;
        Redactor.Register(value);
        return value;
    }

    /// <summary>Checks an absolute http(s) URL without credentials.</summary>
    public static void CheckUrl(string? url, string field, Action<string, string> problem, bool required = true)
    {
        if (string.IsNullOrEmpty(url))
        {
            if (required) problem(field, "missing. Fix: set it in model.json or in pipeline.json's training section.");
            return;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            problem(field, $"'{url}' is not an absolute http(s) URL. Fix: e.g. https://host/path.");
        else if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Query))
            problem(field, "the URL embeds credentials or a query. Fix: remove them; tokens come only from environment variables.");
    }

    /// <summary>The environment variable names under <see cref="SecretKeys"/>, at any depth.</summary>
    public static IEnumerable<string> SecretNames(IReadOnlyDictionary<string, JsonElement> settings) =>
        settings.SelectMany(kv => SecretNames(kv.Key, kv.Value));

    private static IEnumerable<string> SecretNames(string key, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String when SecretKeys.Contains(key) && value.GetString() is { Length: > 0 } s => [s],
        JsonValueKind.Object => value.EnumerateObject().SelectMany(p => SecretNames(p.Name, p.Value)),
        _ => [],
    };

    private static JsonObject Overlay(JsonObject baseObject, JsonObject over)
    {
        var result = (JsonObject)baseObject.DeepClone();
        foreach (var (k, v) in over) result[k] = v?.DeepClone();
        return result;
    }
}
