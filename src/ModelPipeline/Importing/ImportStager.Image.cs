using ModelPipeline.Errors;
using ModelPipeline.Oci;
using ModelPipeline.Zoo.Pull;

namespace ModelPipeline.Importing;

/// <summary>
/// Another OCI image, by digest: a ModelCar (files under <c>/models</c>, base layers skipped) or a
/// CNCF ModelPack artifact (one <c>models/&lt;path&gt;</c> tar per file), read with the pull code
/// (<see cref="ImageReader"/>, <see cref="LayerExtractor"/>): every blob is verified against its
/// digest as it streams, from a registry (registry settings and credentials of pipeline.json) or
/// an OCI image layout folder.
/// </summary>
internal sealed partial class ImportStager
{
    private async Task<(string, string?)> FromImageAsync(ImportSource source, string staging, CancellationToken ct)
    {
        using var registries = new RegistryConnector(config.Registry, reporter);
        IBlobSource blobs;
        if (source.Kind == ImportSourceKind.Oci)
        {
            var reference = ImageReference.Parse(source.Location, $"model '{Name}': --from oci://");
            blobs = new RegistryBlobSource(registries.For(reference), reference);
        }
        else
        {
            if (!File.Exists(Path.Combine(source.Location, "oci-layout")))
                throw new InvalidInputException($"model '{Name}': --from {source.Display}: {source.Location} is not an OCI image " +
                    "layout (no oci-layout file); nothing was imported. Fix: name the layout folder (skopeo copy ... oci:DIR).")
                    { Model = Name };
            blobs = new LayoutBlobSource(source.Location);
        }
        var image = new ImageReader(blobs);
        reporter.Info(Name, $"reading {source.Digest} from {image.Source}");
        try
        {
            var manifest = await image.ReadManifestAsync(source.Digest!, ct);
            if (manifest.Layers!.Sum(l => l.Size ?? 0) > MaxBytes) throw TooLarge(source.Display);
            await image.VerifyAsync(manifest.Config!, "image config", ct);
            var extractor = new LayerExtractor(staging);
            for (var i = 0; i < manifest.Layers!.Count; i++)
                await extractor.ExtractAsync(image, manifest.Layers[i], i, ct);
        }
        catch (PipelineException ex) when (ex.Model is null)
        {
            // The pull code's messages speak of the zoo's images; say which import failed and how to check the source.
            throw new OperationFailedException($"model '{Name}': reading --from {source.Display} failed; nothing was imported: " +
                $"{ex.Message.Split('\n')[0]}{Environment.NewLine}Fix: check that the image is there by that digest " +
                "(skopeo inspect), and the registry's credentials (registry settings in pipeline.json).", ex) { Model = Name };
        }
        if (!Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories).Any())
            throw new InvalidInputException($"model '{Name}': --from {source.Display}: the image holds no files under /models " +
                "(it is not a ModelCar or ModelPack); nothing was imported. Fix: import a ModelCar or ModelPack image.") { Model = Name };
        return (source.Kind == ImportSourceKind.Oci ? "oci" : "oci-layout", null);
    }
}
