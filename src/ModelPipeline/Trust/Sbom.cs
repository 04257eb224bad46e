using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelPipeline.Oci;
using ModelPipeline.RunState;

namespace ModelPipeline.Trust;

/// <summary>
/// The SBOM of a ModelCar: CycloneDX 1.6 JSON with its ML-BOM model card. The image is the
/// metadata component; it depends on the model (a <c>machine-learning-model</c> whose card lists
/// the datasets, the hyperparameters as properties and the validated metrics), which depends on each
/// trained file (sha256), each dataset (digest) and each trainer source file (sha256).
/// The same inputs give the same bytes (the serial number is derived from the image digest).
/// </summary>
public static class Sbom
{
    public const string MediaType = "application/vnd.cyclonedx+json";

    public static byte[] Build(AttestationInput input)
    {
        var model = input.Model;
        var hex = OciDigest.Hex(input.Digest);
        var datasets = (input.Fetch?.Sources ?? []).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        var files = input.Validation.Manifest.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();

        var components = new JsonArray();
        var card = new JsonObject
        {
            ["modelParameters"] = new JsonObject
            {
                ["datasets"] = new JsonArray(datasets.Select(d => (JsonNode)new JsonObject { ["ref"] = "data:" + d.Name }).ToArray()),
            },
            ["quantitativeAnalysis"] = new JsonObject
            {
                ["performanceMetrics"] = new JsonArray(input.Validation.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal)
                    .Select(m => (JsonNode)new JsonObject { ["type"] = m.Key, ["value"] = m.Value.ToString("R", CultureInfo.InvariantCulture) }).ToArray()),
            },
            ["properties"] = new JsonArray(model.Training.Hyperparameters.OrderBy(h => h.Key, StringComparer.Ordinal)
                .Select(h => Property("hyperparameter:" + h.Key, h.Value.ValueKind == JsonValueKind.String ? h.Value.GetString()! : h.Value.GetRawText())).ToArray()),
        };
        components.Add(new JsonObject
        {
            ["type"] = "machine-learning-model",
            ["bom-ref"] = "model:" + model.Name,
            ["name"] = model.Name,
            ["version"] = input.TrainingKey,
            ["description"] = model.Description,
            ["modelCard"] = card,
            ["properties"] = new JsonArray(
                Property("modelpipe:training-key", input.TrainingKey),
                Property("modelpipe:training-backend", input.Training.Backend),
                Property("modelpipe:training-run-id", input.Training.RunId),
                Property("modelpipe:artifacts-format", model.Artifacts.Format)),
        });
        if (input.Training.ImportedFrom is { } imported)
        {
            var properties = (JsonArray)components[0]!["properties"]!;
            properties.Add(Property("modelpipe:imported-from", imported.Uri));
            properties.Add(Property("modelpipe:imported-sha256", imported.Sha256));
        }
        foreach (var f in files)
            components.Add(FileComponent("file:" + f.Path, "/models/" + f.Path, f.Sha256));
        foreach (var d in datasets)
        {
            var component = new JsonObject
            {
                ["type"] = "data",
                ["bom-ref"] = "data:" + d.Name,
                ["name"] = d.Name,
                ["data"] = new JsonArray(new JsonObject { ["type"] = "dataset", ["name"] = d.Name }),
                ["properties"] = new JsonArray(Property("modelpipe:data-kind", d.Kind), Property("modelpipe:data-digest", d.Digest)),
            };
            if (IsSha256Hex(d.Digest)) component["hashes"] = Hashes(d.Digest);
            components.Add(component);
        }
        foreach (var (path, sha) in input.TrainerSources)
            components.Add(FileComponent("source:" + path, $"models/{model.Name}/{path}", sha));

        var bom = new JsonObject
        {
            ["bomFormat"] = "CycloneDX",
            ["specVersion"] = "1.6",
            ["serialNumber"] = $"urn:uuid:{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..32]}",
            ["version"] = 1,
            ["metadata"] = new JsonObject
            {
                ["timestamp"] = OciJson.Timestamp(input.Created),
                ["tools"] = new JsonObject { ["components"] = new JsonArray(new JsonObject { ["type"] = "application", ["name"] = "modelpipe" }) },
                ["component"] = new JsonObject
                {
                    ["type"] = "container",
                    ["bom-ref"] = "image",
                    ["name"] = input.Repository,
                    ["version"] = input.Digest,
                    ["hashes"] = Hashes(hex),
                    ["purl"] = $"pkg:oci/{input.Repository[(input.Repository.LastIndexOf('/') + 1)..]}@sha256%3A{hex}?repository_url={Uri.EscapeDataString(input.Repository)}",
                },
            },
            ["components"] = components,
            ["dependencies"] = new JsonArray(
                new JsonObject { ["ref"] = "image", ["dependsOn"] = new JsonArray("model:" + model.Name) },
                new JsonObject
                {
                    ["ref"] = "model:" + model.Name,
                    ["dependsOn"] = new JsonArray(files.Select(f => "file:" + f.Path)
                        .Concat(datasets.Select(d => "data:" + d.Name))
                        .Concat(input.TrainerSources.Select(s => "source:" + s.Path))
                        .Select(r => (JsonNode)JsonValue.Create(r)).ToArray()),
                }),
        };
        if (input.SourceCommit is not null)
            ((JsonObject)bom["metadata"]!)["properties"] = new JsonArray(Property("modelpipe:source-commit", input.SourceCommit));
        return JsonSerializer.SerializeToUtf8Bytes(bom, RunStateStore.Json);
    }

    private static JsonObject FileComponent(string reference, string name, string sha256) => new()
    {
        ["type"] = "file",
        ["bom-ref"] = reference,
        ["name"] = name,
        ["hashes"] = Hashes(sha256),
    };

    private static JsonArray Hashes(string sha256) => new(new JsonObject { ["alg"] = "SHA-256", ["content"] = sha256 });

    private static JsonObject Property(string name, string value) => new() { ["name"] = name, ["value"] = value };

    private static bool IsSha256Hex(string value) => value.Length == 64 && value.All(char.IsAsciiHexDigitLower);
}
