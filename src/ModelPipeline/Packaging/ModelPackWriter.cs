using System.Text.Json;
using System.Text.Json.Nodes;
using ModelPipeline.Models;
using ModelPipeline.Oci;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Trust;
using ModelPipeline.Validation;

namespace ModelPipeline.Packaging;

/// <summary>
/// The same validated files as a CNCF ModelPack artifact (<c>modelcar.formats: ["modelcar", "modelpack"]</c>):
/// artifactType <c>application/vnd.cncf.model.manifest.v1+json</c>, config
/// <c>application/vnd.cncf.model.config.v1+json</c> (descriptor, format, modelfs diff_ids), and one
/// uncompressed tar layer per file (<c>models/&lt;path&gt;</c>, like the ModelCar) typed
/// <c>application/vnd.cncf.model.weight.v1.tar</c> (or <c>weight.config.v1.tar</c> for JSON/text files),
/// annotated <c>org.cncf.model.filepath</c>. A file that has a ModelCar layer of its own (at least
/// <c>layerSplitBytes</c>, compression <c>none</c>) gives the very same tar, so its blob is reused: nothing
/// is uploaded or written twice. Tagged <c>&lt;image tag&gt;-modelpack</c>.
/// </summary>
public sealed class ModelPackWriter(LayerCache cache, IPipelineReporter reporter)
{
    public const string ArtifactType = "application/vnd.cncf.model.manifest.v1+json";
    public const string ConfigMediaType = "application/vnd.cncf.model.config.v1+json";
    public const string WeightTar = "application/vnd.cncf.model.weight.v1.tar";
    public const string WeightConfigTar = "application/vnd.cncf.model.weight.config.v1.tar";
    public const string FilePathAnnotation = "org.cncf.model.filepath";

    private static readonly string[] ConfigExtensions = [".json", ".txt", ".yaml", ".yml", ".md"];

    public static string TagFor(string imageTag) => imageTag.Length <= 118 ? imageTag + "-modelpack" : imageTag[..118] + "-modelpack";

    public async Task<string> WriteAsync(IImageTarget target, ModelDefinition model, string key, ValidationReport report, string outputDir,
        DateTimeOffset created, string imageTag, CancellationToken ct)
    {
        var layers = new List<Descriptor>();
        var diffIds = new List<string>();
        foreach (var file in report.Manifest.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            var tar = new TarLayer([new LayerFile(Path.Combine(outputDir, file.Path), "models/" + file.Path, file.Size, file.Sha256)], created);
            var recipe = LayerCache.Recipe(tar, new Dictionary<string, string> { ["models/" + file.Path] = file.Sha256 }, LayerCompression.None);
            var built = cache.Get(recipe);
            if (built is null || !await target.HasBlobAsync(built.Descriptor with { MediaType = MediaTypes.OciLayer }, ct))
            {
                using var progress = reporter.StartTransfer(model.Name, $"modelpack layer {file.Path}", tar.Size);
                built = await target.PushLayerAsync(tar, LayerCompression.None, ct);
                progress.Advance(tar.Size);
                cache.Put(recipe, built);
            }
            var mediaType = ConfigExtensions.Contains(Path.GetExtension(file.Path).ToLowerInvariant()) ? WeightConfigTar : WeightTar;
            layers.Add(built.Descriptor with { MediaType = mediaType, Annotations = new Dictionary<string, string> { [FilePathAnnotation] = "models/" + file.Path } });
            diffIds.Add(built.DiffId);
        }
        var config = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["descriptor"] = new JsonObject
            {
                ["createdAt"] = OciJson.Timestamp(created),
                ["authors"] = new JsonArray(model.Owners.Select(o => (JsonNode)JsonValue.Create(o)).ToArray()),
                ["name"] = model.Name,
                ["version"] = key,
                ["description"] = model.Description,
                ["revision"] = key,
            },
            ["config"] = new JsonObject { ["format"] = model.Artifacts.Format },
            ["modelfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffIds.Select(d => (JsonNode)JsonValue.Create(d)).ToArray()) },
        }, OciJson.Options);
        var configDesc = new Descriptor { MediaType = ConfigMediaType, Digest = OciDigest.Of(config), Size = config.Length };
        if (!await target.HasBlobAsync(configDesc, ct))
            await target.PushBlobAsync(configDesc, _ => Task.FromResult<Stream>(new MemoryStream(config, writable: false)), ct);
        var manifest = OciJson.Serialize(new ArtifactManifest
        {
            ArtifactType = ArtifactType,
            Config = configDesc,
            Layers = layers,
            Annotations = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["org.opencontainers.image.created"] = OciJson.Timestamp(created),
                ["org.opencontainers.image.title"] = model.Name,
                ["org.opencontainers.image.revision"] = key,
            },
        });
        await target.PutManifestAsync(manifest, MediaTypes.OciManifest, TagFor(imageTag), ct);
        var digest = OciDigest.Of(manifest);
        reporter.Info(model.Name, $"ModelPack {digest[..19]} ({TagFor(imageTag)}): {layers.Count} layer(s)");
        return digest;
    }
}
