using ModelPipeline.Errors;
using ModelPipeline.Models;
using ModelPipeline.Oci;
using ModelPipeline.Validation;
using ModelPipeline.Zoo;

namespace ModelPipeline.Packaging;

public sealed partial class ModelCarPackager
{
    /// <summary>
    /// vN's image is gone from its store, but this workspace still has the key's trained files. Images are
    /// reproducible, so the image is built again from those files as they are, first only to learn its digest
    /// (nothing is written anywhere). Only when that digest is vN's recorded one is the image written to the
    /// store the zoo names. Returns false (nothing done) when the trained files are not here or the store the
    /// zoo names is not the configured one; throws when the rebuilt digest differs.
    /// </summary>
    private async Task<bool> TryRestoreAsync(ModelDefinition model, string key, PublishedVersion published, CancellationToken ct)
    {
        var image = published.Manifest.Image;
        var v = $"v{published.Version}";
        var report = state.ReadRun<ValidationReport>(model.Name, key, "validate");
        var output = state.OutputDir(model.Name, key);
        if (report is null || report.Manifest.Count == 0
            || report.Manifest.Any(f => !File.Exists(Path.Combine(output, f.Path))))
            return false;
        if ((image.Destination ?? Settings.Destination) != Settings.Destination || image.Repository != Settings.Repository)
            return false;

        reporter.Info(model.Name, $"{v}'s image {image.Digest} is missing; rebuilding it from the trained files of "
            + $"training key {key[..12]} ({state.RecordPath(output)}) to compare digests");
        var baseImage = await ResolveBaseAsync(model.Name, ct);
        var tag = image.Tag ?? Tag(model.Name, key);
        var (created, _) = await CreatedTime.ResolveAsync(model.Name, model.Directory, ct); // as when it was packaged
        var rebuilt = await DigestOfAsync(Plan(model, key, report.Manifest, baseImage, created, tag, asTheyAre: true), ct);
        if (rebuilt != image.Digest)
            throw new OperationFailedException(
                $"model '{model.Name}': {v}'s image {image.Digest} is missing from {new PublishedImage(config, registries).Describe(image)}, "
                + $"and the trained files of training key {key[..12]} in this workspace ({state.RecordPath(output)}) "
                + $"rebuild to {rebuilt}, not to {v}'s recorded {image.Digest}. Nothing was written: {v}'s digest is the only "
                + "image this key may have. The files, or the modelcar settings they are packaged with (baseImage, compression, "
                + "layerSplitBytes, sourceUrl), changed since it was published. "
                + $"Fix: restore the image (e.g. skopeo copy it from a backup or mirror to {image.Repository}@{image.Digest}), "
                + "or change the model so that it trains as a new version.") { Model = model.Name };

        var writer = new ImageWriter(new LayerCache(Path.Combine(config.CacheDir, "oci-layers")), reporter, model.Name);
        var result = await Destination(model.Name)
            .WriteAsync(writer, Plan(model, key, report.Manifest, baseImage, created, tag), null, ct);
        if (result.Digest != image.Digest) // the files changed between the two passes
            throw new OperationFailedException($"model '{model.Name}': the trained files of training key {key[..12]} changed while "
                + $"{v}'s image was restored ({result.Digest} written, {image.Digest} recorded). Fix: run PackageModelCar again.")
            { Model = model.Name };
        reporter.Info(model.Name, $"restored {v}'s image {image.Reference}: rebuilt from the trained files, "
            + $"the digest equals the zoo's record ({result.BytesWritten} bytes written)");
        return true;
    }

    /// <summary>The digest the plan's image has, computed without writing any blob (a fresh layer cache: every file is read).</summary>
    private async Task<string> DigestOfAsync(ImagePlan plan, CancellationToken ct)
    {
        var scratch = Path.Combine(config.CacheDir, "restore-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var writer = new ImageWriter(new LayerCache(scratch), reporter, null);
            return (await writer.WriteAsync(plan, new DigestOnlyTarget(), ct)).Digest;
        }
        finally
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>
    /// A target that keeps nothing: model layers (never in the fresh layer cache) are streamed only to hash them;
    /// it claims every other blob (base layers, the config), so none of them is read.
    /// </summary>
    private sealed class DigestOnlyTarget : IImageTarget
    {
        public long BytesWritten => 0;

        public Task<bool> HasBlobAsync(Descriptor blob, CancellationToken ct) => Task.FromResult(true);

        public Task<BuiltLayer> PushLayerAsync(TarLayer layer, LayerCompression compression, CancellationToken ct) =>
            LayerBlob.WriteAsync(layer, compression, Stream.Null, ct);

        public Task<bool> PushBlobAsync(Descriptor blob, Func<CancellationToken, Task<Stream>> open, CancellationToken ct) =>
            Task.FromResult(false);

        public Task<bool> HasManifestAsync(string digest, CancellationToken ct) => Task.FromResult(false);

        public Task PutManifestAsync(byte[] manifest, string mediaType, string tag, CancellationToken ct) => Task.CompletedTask;
    }
}
