using ModelPipeline.Progress;

namespace ModelPipeline.Oci;

/// <summary>What to build: a base, layers to add (each with its recipe), the time, annotations, a tag.</summary>
public sealed record ImagePlan
{
    public required BaseImage Base { get; init; }
    public required IReadOnlyList<PlannedLayer> Layers { get; init; }
    public LayerCompression Compression { get; init; } = LayerCompression.None;
    public required DateTimeOffset Created { get; init; }
    public required IReadOnlyDictionary<string, string> Annotations { get; init; }
    public required string Tag { get; init; }
}

/// <summary>A layer to write; <paramref name="Validated"/>: its digest as Validate recorded it, when it did.</summary>
public sealed record PlannedLayer(TarLayer Tar, string Recipe, string Description, BuiltLayer? Validated = null);

/// <summary>The image written: its manifest digest and bytes, total size, and what had to be written.</summary>
public sealed record ImageResult(string Digest, byte[] Manifest, long TotalSize, long BytesWritten, int BlobsSkipped);

/// <summary>
/// Writes an image into a target: base layers (copied only when missing), model layers (skipped
/// when the layer cache knows the digest and the target has it; otherwise streamed in one pass, checked
/// against the cached digest when there is one), the config, and the manifest last.
/// </summary>
public sealed class ImageWriter(LayerCache cache, IPipelineReporter reporter, string? model)
{
    public async Task<ImageResult> WriteAsync(ImagePlan plan, IImageTarget target, CancellationToken ct)
    {
        var skipped = 0;
        var layers = new List<Descriptor>();
        foreach (var layer in plan.Base.Layers)
        {
            var desc = layer with { MediaType = MediaTypes.ToOciLayer(layer.MediaType) };
            if (await target.HasBlobAsync(desc, ct)) skipped++;
            else
            {
                var copied = await target.PushBlobAsync(desc, c => plan.Base.OpenBlob(layer, c), ct);
                reporter.Info(model, copied
                    ? $"copied base layer {desc.Digest[..19]} ({desc.Size} bytes)"
                    : $"mounted base layer {desc.Digest[..19]} from the base image's repository (no bytes uploaded)");
            }
            layers.Add(desc);
        }

        var diffIds = new List<string>();
        foreach (var planned in plan.Layers)
        {
            var built = (cache.Get(planned.Recipe) ?? planned.Validated) is { } cached
                && cached.Descriptor.MediaType == LayerBlob.MediaType(plan.Compression) ? cached : null;
            if (built is not null && await target.HasBlobAsync(built.Descriptor, ct))
            {
                skipped++;
            }
            else
            {
                using var progress = reporter.StartTransfer(model, $"layer {planned.Description}", planned.Tar.Size);
                built = built is null
                    ? await target.PushLayerAsync(planned.Tar, plan.Compression, ct)
                    : await target.PushKnownLayerAsync(planned.Tar, plan.Compression, built, ct);
                progress.Advance(planned.Tar.Size);
                cache.Put(planned.Recipe, built);
            }
            layers.Add(built.Descriptor);
            diffIds.Add(built.DiffId);
        }

        var labels = plan.Annotations;
        var config = OciJson.Config(plan.Base, diffIds, plan.Created, labels,
            plan.Layers.Select(l => $"modelpipe package: COPY {l.Description} /models/").ToList());
        var configDesc = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = OciDigest.Of(config), Size = config.Length };
        if (await target.HasBlobAsync(configDesc, ct)) skipped++;
        else await target.PushBlobAsync(configDesc, _ => Task.FromResult<Stream>(new MemoryStream(config, writable: false)), ct);

        var manifest = OciJson.Serialize(new ImageManifest
        {
            Config = configDesc,
            Layers = layers,
            Annotations = new SortedDictionary<string, string>(plan.Annotations.ToDictionary(), StringComparer.Ordinal),
        });
        await target.PutManifestAsync(manifest, MediaTypes.OciManifest, plan.Tag, ct);
        return new ImageResult(OciDigest.Of(manifest), manifest, config.Length + layers.Sum(l => l.Size) + manifest.Length, target.BytesWritten, skipped);
    }
}
