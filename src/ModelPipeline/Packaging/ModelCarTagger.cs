using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Oci;

namespace ModelPipeline.Packaging;

/// <summary>
/// Adds a tag (e.g. <c>&lt;model&gt;-v&lt;N&gt;</c>, once PushMirrors has allocated N) to an image
/// PackageModelCar already wrote: the same manifest bytes are re-PUT under the new tag (registry) or
/// a new index entry points at the same manifest (OCI layout). No blob is uploaded and the digest
/// does not change.
/// </summary>
public sealed class ModelCarTagger(PipelineConfig config, RegistryConnector registries)
{
    public async Task AddTagAsync(PackageRecord record, string tag, CancellationToken ct = default)
    {
        if (!ImageReference.IsValidTag(tag) || tag == "latest")
            throw new InvalidInputException($"model '{record.Model}': '{tag}' is not a usable tag. Fix: use letters, digits, '.', '_', '-' (≤ 128), not 'latest'.") { Model = record.Model };
        switch (record.Destination)
        {
            case "registry":
                var repository = ImageReference.Parse(record.Repository, $"package.json of model '{record.Model}': repository");
                await registries.For(repository).AddTagAsync(repository.Repository, record.Digest, tag, ct);
                break;
            default:
                var dir = record.Destination == "oci-layout" && record.Location is not null
                    ? record.Location
                    : Path.GetFullPath(Path.Combine(config.RepoRoot, config.ModelCar.LayoutDir));
                new OciLayout(dir).AddTag(record.Digest, tag);
                break;
        }
    }
}
