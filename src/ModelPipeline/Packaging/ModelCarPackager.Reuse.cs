using ModelPipeline.Errors;
using ModelPipeline.Models;
using ModelPipeline.Oci;
using ModelPipeline.Trust;
using ModelPipeline.Zoo;
using ModelPipeline.Zoo.Pull;

namespace ModelPipeline.Packaging;

public sealed partial class ModelCarPackager
{
    /// <summary>
    /// A key the zoo holds as vN is not packaged again: its image is vN's recorded digest, which must
    /// still be in the recorded registry or layout. package.json then describes that image.
    /// </summary>
    private async Task<PackageOutcome> ReusePublishedAsync(ModelDefinition definition, string key, PublishedVersion published,
        CancellationToken ct)
    {
        var model = definition.Name;
        var image = published.Manifest.Image;
        var v = $"v{published.Version}";
        if (image.Destination != Settings.Destination || image.Repository != Settings.Repository)
            reporter.Warning(model, $"{v} of training key {key[..12]} is recorded in {image.Destination ?? "?"} {image.Repository}, while pipeline.json now says {Settings.Destination} {Settings.Repository}; " +
                $"the published image is reused as recorded (one version, one digest). To publish this model elsewhere, change it so that it trains as a new version.");
        var store = new PublishedImage(config, registries);
        if (!await store.ExistsAsync(image, ct) && !await TryRestoreAsync(definition, key, published, ct))
            throw new OperationFailedException(
                $"model '{model}': training key {key[..12]} is published as {v} with image {image.Digest}, but {store.Describe(image)} no longer has it. Nothing was packaged: {v}'s digest is the only image this key may have. " +
                $"Fix: restore the image (e.g. skopeo copy it from a backup or mirror to {image.Repository}@{image.Digest}), or change the model so that it trains as a new version.") { Model = model };
        var record = new PackageRecord
        {
            Model = model,
            TrainingKey = key,
            Destination = image.Destination ?? Settings.Destination,
            Repository = image.Repository,
            Tag = image.Tag ?? Tag(model, key),
            Digest = image.Digest,
            Reference = image.Reference,
            StorageUri = image.StorageUri,
            SizeBytes = image.SizeBytes,
            CreatedAt = published.Manifest.CreatedAt,
            ReusedVersion = published.Version,
            // Every record of the first packaging, from the published state: verdicts and attestations.
            BaseImage = image.BaseImage,
            Warnings = image.Warnings ?? [],
            Attestations = await PublishedAttestations.ReadAsync(config, registries, reporter,
                new SignedIdentity(model, published.Version, key), image, ct),
            ModelPack = image.ModelPack,
        };
        state.WriteRun(model, key, "package", record);
        reporter.Info(model, $"reused {v}: {image.Reference} is in {store.Describe(image)}; nothing packaged" +
            (image.HasNoShell ? $" ({v} has no /bin/sh and is never deployed; see UpdateGitOps)" : ""));
        return new PackageOutcome(record, true, 0, 0);
    }

    /// <summary>
    /// The way out of a version that can never be deployed: when vN's image has no shell and
    /// <c>modelcar.baseImage</c> has changed since, the same training output is packaged on the new
    /// base, and PushMirrors publishes it as a new version of the key (vN stays as published).
    /// </summary>
    private bool IsWayOut(PublishedVersion published) =>
        published.Manifest.Image.HasNoShell
        && published.Manifest.Image.BaseImage is { } recorded && recorded != Settings.BaseImage;

    /// <summary>Makes the published files the key's training output again (pulled from vN's image when not here).</summary>
    private async Task RepackageAsync(string model, string key, PublishedVersion published, CancellationToken ct)
    {
        var v = $"v{published.Version}";
        reporter.Info(model, $"{v} of training key {key[..12]} has no /bin/sh " +
            $"(base '{published.Manifest.Image.BaseImage}') and is never deployed; " +
            $"modelcar.baseImage is now '{Settings.BaseImage}': packaging the same training output for a new version");
        var output = state.OutputDir(model, key);
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any()) return;
        await new ModelPuller(config, reporter).PullAsync(published.Resolved(), null, output, ct);
    }
}
