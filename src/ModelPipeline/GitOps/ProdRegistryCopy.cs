using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Oci;
using ModelPipeline.Progress;
using ModelPipeline.Trust;
using ModelPipeline.Zoo;

namespace ModelPipeline.GitOps;

/// <summary>
/// <c>environments.prod.registry</c>: Promote copies the tested image by digest to the registry prod pulls
/// from, with everything attached to it (the cosign signature <c>sha256-&lt;hex&gt;.sig</c>, the SBOM and
/// provenance found through the referrers API or the <c>sha256-&lt;hex&gt;</c> index, their signatures, the
/// ModelPack), and tags it <c>&lt;model&gt;-vN</c> there. The digest stays the same; the prod pin names the copy.
/// Blobs the prod registry has are skipped, so promoting again copies nothing.
/// </summary>
public sealed class ProdRegistryCopy(PipelineConfig config, IPipelineReporter reporter)
{
    public static readonly string[] SignatureSuffixes = [".sig", ".att", ".sbom"];

    /// <summary>The prod deployment of <paramref name="candidate"/>: unchanged without a prod registry, else naming
    /// the copy.</summary>
    public async Task<EnvironmentConfig> PrepareAsync(string model, EnvironmentConfig candidate, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(config.Environments.Prod.Registry)) return candidate;
        var published = await new ZooRepository(config, reporter).FindVersionAsync(model, candidate.ModelVersion, ct)
            ?? throw new OperationFailedException($"model '{model}' v{candidate.ModelVersion} is not in the zoo, so "
                + "its image cannot be copied to the prod registry. Fix: publish it first (./build.sh Publish).")
            { Model = model };
        var image = published.Manifest.Image;
        if (image.Destination != "registry" || image.Digest != candidate.ImageDigest)
            throw new InvalidInputException("pipeline.json: environments.prod.registry is set, but "
                + $"{model} v{candidate.ModelVersion} was packaged into "
                + $"{(image.Destination == "registry" ? "another image" : "an OCI layout")} ({image.Reference}). "
                + "Fix: publish to a registry (modelcar.destination \"registry\"), or remove "
                + "environments.prod.registry.") { Model = model };
        var source = ImageReference.Parse(image.Repository, "the zoo's image repository");
        var target = Target(source);
        if (target.Name == source.Name) return candidate;
        using var registries = new RegistryConnector(config.Registry, reporter);
        var from = registries.For(source);
        var copy = new RegistryCopy(from, source.Repository, registries.For(target), target.Repository);
        var attachments = new Attachments(copy, from, source);
        await copy.CopyAsync(image.Digest, $"{model}-v{candidate.ModelVersion}", ct);
        await attachments.CopyAsync(image.Digest, ct);
        if (image.ModelPack is { } pack)
        {
            await copy.CopyAsync(pack, null, ct);
            await attachments.CopyAsync(pack, ct);
        }
        reporter.Info(model, $"copied v{candidate.ModelVersion} {image.Digest[..19]} with its attachments to "
            + $"{target.Name} "
            + $"({copy.BytesCopied} bytes copied, {copy.BlobsSkipped} blob(s) already there)");
        return candidate with { ImageRepository = target.Name, StorageUri = $"oci://{target.Name}@{image.Digest}" };
    }

    /// <summary><c>host[:port]/path</c> as given, or the host with the source image's path.</summary>
    private ImageReference Target(ImageReference source)
    {
        var setting = config.Environments.Prod.Registry!.Trim().TrimEnd('/');
        var text = setting.Contains('/', StringComparison.Ordinal) ? setting : $"{setting}/{source.Repository}";
        return ImageReference.Parse(text, "pipeline.json: $.environments.prod.registry");
    }

    /// <summary>Everything attached to a digest, transitively (an SBOM's signature), each copied once.</summary>
    private sealed class Attachments(RegistryCopy copy, RegistryClient from, ImageReference source)
    {
        private readonly HashSet<string> _done = new(StringComparer.Ordinal);
        private readonly RegistryArtifactStore _store = new(from, source);

        public async Task CopyAsync(string digest, CancellationToken ct)
        {
            if (!_done.Add(digest)) return;
            foreach (var suffix in SignatureSuffixes)
            {
                var tag = Referrers.TagFor(digest) + suffix;
                if (await from.HasManifestAsync(source.Repository, tag, ct)) await copy.CopyAsync(tag, tag, ct);
            }
            foreach (var referrer in await Referrers.ListAsync(_store, digest, ct))
            {
                await copy.CopyAsync(referrer.Digest, null, ct);
                await CopyAsync(referrer.Digest, ct);
            }
            var index = Referrers.TagFor(digest);
            if (await from.HasManifestAsync(source.Repository, index, ct)) await copy.CopyAsync(index, index, ct);
        }
    }
}
