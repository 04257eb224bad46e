using ModelPipeline.Models;
using ModelPipeline.Oci;
using ModelPipeline.Training;
using ModelPipeline.Trust;
using ModelPipeline.Validation;

namespace ModelPipeline.Packaging;

/// <summary>
/// After the image: the ModelPack artifact (<c>modelcar.formats</c>), then signatures, SBOM and
/// provenance beside the image (see <see cref="ImageAttestor"/>), recorded in package.json.
/// </summary>
public sealed partial class ModelCarPackager
{
    /// <summary>
    /// Adds what the record lacks (everything for a new image; for a skipped one a ModelPack that is now
    /// configured, attestations it has not got, or signed ones when a key is now set) and writes the record.
    /// </summary>
    /// <paramref name="prepared"/>: the image's attestations, built and their blobs pushed while it was written.
    private async Task<PackageRecord> AttestAsync(ModelDefinition model, PackageRecord record, CancellationToken ct,
        PreparedAttestations? prepared = null)
    {
        var wantsModelPack = Settings.Formats.Contains("modelpack");
        var signingNow = config.Signing.Mode != "never" && !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(config.Signing.KeyEnv));
        var missingModelPack = wantsModelPack && record.ModelPack is null;
        if (!missingModelPack && record.Attestations is { } done && (done.SbomSignature is not null || !signingNow))
            return record;
        if (missingModelPack)
        {
            var report = state.ReadRun<ValidationReport>(model.Name, record.TrainingKey, "validate")!;
            var writer = new ModelPackWriter(new LayerCache(Path.Combine(config.CacheDir, "oci-layers")), reporter);
            var digest = await writer.WriteAsync(Target(model.Name), model, record.TrainingKey, report, state.OutputDir(model.Name, record.TrainingKey), record.CreatedAt, record.Tag, ct);
            record = record with { ModelPack = digest };
        }
        var attestor = new ImageAttestor(config, state, reporter, registries);
        var attestations = prepared is not null && record.ModelPack is null
            ? await attestor.AttachAsync(model, prepared, ct)
            : await attestor.AttachAsync(model, record, record.ModelPack, ct);
        record = record with { Attestations = attestations };
        state.WriteRun(model.Name, record.TrainingKey, "package", record);
        return record;
    }

    private IImageTarget Target(string model)
    {
        if (Settings.Destination != "registry") return new OciLayout(Path.GetFullPath(Path.Combine(config.RepoRoot, Settings.LayoutDir)));
        var repository = ImageReference.Parse(Settings.Repository, $"pipeline.json: $.modelcar.repository (model '{model}')");
        return new RegistryTarget(registries.For(repository), repository.Repository);
    }
}
