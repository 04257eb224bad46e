using System.Text.Json;
using System.Text.Json.Nodes;
using ModelPipeline.Models;
using ModelPipeline.Oci;
using ModelPipeline.RunState;

namespace ModelPipeline.Trust;

/// <summary>
/// The provenance of a ModelCar: an in-toto Statement v1 whose subject is the image and whose
/// predicate is SLSA provenance v1 — builder, the models repository's commit, the data digests and
/// trainer sources as resolved dependencies, the training run id and backend. Wrapped in a DSSE
/// envelope (signed when a key is set).
/// </summary>
public static class Provenance
{
    public const string StatementType = "https://in-toto.io/Statement/v1";
    public const string PredicateType = "https://slsa.dev/provenance/v1";
    public const string BuildType = "https://github.com/modelpipeline/modelpipeline/modelcar/v1";

    public static byte[] Statement(AttestationInput input)
    {
        var model = input.Model;
        var dependencies = new JsonArray();
        if (input.SourceCommit is not null)
            dependencies.Add(new JsonObject
            {
                ["uri"] = string.IsNullOrEmpty(input.SourceUrl) ? $"git+models/{model.Name}" : $"git+{input.SourceUrl}",
                ["digest"] = new JsonObject { ["gitCommit"] = input.SourceCommit },
                ["name"] = "source",
            });
        foreach (var fetched in (input.Fetch?.Sources ?? []).OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            var definition = model.Data.FirstOrDefault(d => d.Name == fetched.Name);
            dependencies.Add(new JsonObject
            {
                ["name"] = "data:" + fetched.Name,
                ["uri"] = Uri(definition, model.Name),
                ["digest"] = Digest(fetched.Digest),
            });
        }
        if (input.Training.ImportedFrom is { } imported)
            dependencies.Add(new JsonObject
            {
                ["name"] = "import:" + imported.Kind,
                ["uri"] = imported.Uri,
                ["digest"] = imported.ImageDigest is { } image
                    ? new JsonObject { ["sha256"] = OciDigest.Hex(image) }
                    : new JsonObject { ["sha256"] = imported.Sha256 },
            });
        foreach (var (path, sha) in input.TrainerSources)
            dependencies.Add(new JsonObject { ["name"] = "trainer:" + path, ["uri"] = $"models/{model.Name}/{path}", ["digest"] = new JsonObject { ["sha256"] = sha } });

        var hyperparameters = new JsonObject();
        foreach (var (k, v) in model.Training.Hyperparameters.OrderBy(h => h.Key, StringComparer.Ordinal)) hyperparameters[k] = JsonNode.Parse(v.GetRawText());
        var ci = Environment.GetEnvironmentVariable("GITHUB_ACTIONS") == "true" ? "github-actions"
            : Environment.GetEnvironmentVariable("GITLAB_CI") == "true" ? "gitlab-ci" : "local";
        var statement = new JsonObject
        {
            ["_type"] = StatementType,
            ["subject"] = new JsonArray(new JsonObject { ["name"] = input.Repository, ["digest"] = new JsonObject { ["sha256"] = OciDigest.Hex(input.Digest) } }),
            ["predicateType"] = PredicateType,
            ["predicate"] = new JsonObject
            {
                ["buildDefinition"] = new JsonObject
                {
                    ["buildType"] = BuildType,
                    ["externalParameters"] = new JsonObject
                    {
                        ["model"] = model.Name,
                        ["trainingKey"] = input.TrainingKey,
                        ["hyperparameters"] = hyperparameters,
                    },
                    ["internalParameters"] = new JsonObject { ["trainingBackend"] = input.Training.Backend },
                    ["resolvedDependencies"] = dependencies,
                },
                ["runDetails"] = new JsonObject
                {
                    ["builder"] = new JsonObject
                    {
                        ["id"] = $"https://github.com/modelpipeline/modelpipeline/builders/{ci}",
                        ["version"] = new JsonObject { ["modelpipe"] = typeof(Provenance).Assembly.GetName().Version?.ToString() ?? "0" },
                    },
                    ["metadata"] = new JsonObject
                    {
                        ["invocationId"] = input.Training.RunId,
                        ["startedOn"] = OciJson.Timestamp(input.Training.StartedAt),
                        ["finishedOn"] = OciJson.Timestamp(input.Training.StartedAt.AddSeconds(Math.Ceiling(input.Training.DurationSeconds))),
                    },
                },
            },
        };
        if (input.ModelPackDigest is not null)
            ((JsonObject)statement["predicate"]!["runDetails"]!)["byproducts"] = new JsonArray(new JsonObject
            {
                ["name"] = "modelpack",
                ["uri"] = $"{input.Repository}@{input.ModelPackDigest}",
                ["digest"] = new JsonObject { ["sha256"] = OciDigest.Hex(input.ModelPackDigest) },
            });
        return JsonSerializer.SerializeToUtf8Bytes(statement, RunStateStore.Json);
    }

    private static string Uri(DataSource? source, string model) => source switch
    {
        { Url: { } url } => url,
        { Git: { } git } => $"git+{git}@{source.Commit}{(source.Path is null ? "" : "#" + source.Path)}",
        { File: { } file } => $"models/{model}/{file}",
        _ => $"data:{model}",
    };

    /// <summary>A Fetch digest as in-toto digests: sha256 hex, or <c>git:&lt;commit&gt;[:path]</c> as gitCommit.</summary>
    private static JsonObject Digest(string digest) => digest.StartsWith("git:", StringComparison.Ordinal)
        ? new JsonObject { ["gitCommit"] = digest[4..].Split(':')[0] }
        : new JsonObject { ["sha256"] = digest };
}
