using ModelPipeline.Models;
using ModelPipeline.Trust;

namespace ModelPipeline.Packaging;

/// <summary>Signatures, SBOM and provenance beside the image (see <see cref="ImageAttestor"/>), recorded in package.json.</summary>
public sealed partial class ModelCarPackager
{
    /// <summary>
    /// Attaches what the record lacks (everything for a new image; for a skipped one only when it has
    /// no attestations yet, or is unsigned while a key is now set) and writes the record.
    /// </summary>
    private async Task<PackageRecord> AttestAsync(ModelDefinition model, PackageRecord record, CancellationToken ct)
    {
        var signingNow = config.Signing.Mode != "never" && !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(config.Signing.KeyEnv));
        if (record.Attestations is { } done && (done.IsSigned || !signingNow)) return record;
        var attestations = await new ImageAttestor(config, state, reporter, registries).AttachAsync(model, record, null, ct);
        record = record with { Attestations = attestations };
        state.WriteRun(model.Name, record.TrainingKey, "package", record);
        return record;
    }
}
