using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Oci;
using ModelPipeline.Packaging;
using ModelPipeline.Progress;
using ModelPipeline.Zoo;

namespace ModelPipeline.GitOps;

/// <summary>
/// A training key as the zoo publishes it: its version and the image digest the zoo records for
/// that version (the source of truth; this workspace's package.json and zoo.json are only a cache).
/// </summary>
public sealed record PublishedModel
{
    public required string Model { get; init; }
    public required string TrainingKey { get; init; }
    public required int Version { get; init; }
    public required string Repository { get; init; }
    public required string Digest { get; init; }
    public required string Reference { get; init; }
    public required string StorageUri { get; init; }

    /// <summary>The version's lifecycle state in the zoo (deprecated, yanked, archived); null while active.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Zoo.Lifecycle.VersionStatus? Status { get; init; }

    /// <summary>
    /// The zoo's version of a training key (as found in one zoo read; null: the zoo does not hold the key),
    /// checked to still be in its image store (registry or OCI layout): a pin to an image that cannot be
    /// pulled fails here (exit 1) with the fix.
    /// </summary>
    public static async Task<PublishedModel> RequireAsync(PipelineConfig config, PublishedImage store,
        PublishedVersion? published, string model, string key, CancellationToken ct)
    {
        if (published is null)
            throw new OperationFailedException($"model '{model}' (training key {key[..12]}) is not in the zoo {Redactor.Redact(config.Zoo.Url)}. Fix: run ./build.sh PushMirrors --model {model} (or Publish).") { Model = model };
        var image = published.Manifest.Image;
        if (!await store.ExistsAsync(image, ct))
            throw new OperationFailedException(
                $"model '{model}' v{published.Version}: the zoo records image {image.Digest}, but {store.Describe(image)} no longer has it; refusing to pin an environment to an image that cannot be pulled. " +
                $"Fix: restore the image (e.g. skopeo copy it from a backup or mirror to {image.Repository}@{image.Digest}), or change the model so that it publishes a new version.") { Model = model };
        return new PublishedModel
        {
            Model = model,
            TrainingKey = key,
            Version = published.Version,
            Repository = image.Repository,
            Digest = image.Digest,
            Reference = image.Reference,
            StorageUri = image.StorageUri,
            Status = published.Status,
        };
    }
}
