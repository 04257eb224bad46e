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

/// <summary>The image a write will store (its manifest digest and bytes), known before its manifest is.</summary>
public sealed record ImageToCome(string Digest, byte[] Manifest);

/// <summary>
/// Writes an image into a target: base layers (copied only when missing), model layers (skipped
/// when the layer cache knows the digest and the target has it; otherwise streamed in one pass, checked
/// against the cached digest when there is one), the config, and the manifest last.
/// With <c>alongside</c> work (a push), the model layers whose digest is unknown go first; from then on every
/// digest is known, so the base layers, the config and that work (the attestation blobs) go up on a second
/// connection while the remaining layers stream. The manifest is stored only after both finished and every blob it
/// names is stored; a failed layer cancels the other connection and stores no manifest (blobs already sent stay,
/// unreferenced, until the registry's garbage collection). A layer that came out other than its known digest said
/// (a wrong cache entry, see <see cref="IImageTarget.PushKnownLayerAsync"/>) gets the config of the layers stored.
/// </summary>
public sealed class ImageWriter(LayerCache cache, IPipelineReporter reporter, string? model)
{
    public async Task<ImageResult> WriteAsync(ImagePlan plan, IImageTarget target, CancellationToken ct,
        Func<ImageToCome, CancellationToken, Task>? alongside = null)
    {
        var baseLayers = plan.Base.Layers
            .Select(l => l with { MediaType = MediaTypes.ToOciLayer(l.MediaType) }).ToList();
        var skipped = alongside is null ? await BaseLayersAsync(plan, target, ct) : 0;

        var known = plan.Layers.Select(planned => (cache.Get(planned.Recipe) ?? planned.Validated) is { } cached
            && cached.Descriptor.MediaType == LayerBlob.MediaType(plan.Compression) ? cached : null).ToArray();
        var built = new BuiltLayer[known.Length];
        var order = Enumerable.Range(0, known.Length).OrderBy(i => alongside is not null && known[i] is not null);
        using var second = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task<(string Digest, bool Present, int BaseSkipped)>? side = null;
        (string? Digest, bool Present, int BaseSkipped) sideConfig = default;
        try
        {
            foreach (var i in order)
            {
                var present = known[i] is { } cached && await target.HasBlobAsync(cached.Descriptor, second.Token);
                // Every unknown digest is known now: the rest need not wait any longer (started after this layer's
                // HEAD, which so keeps the open connection, and off this thread, which goes on to its upload).
                if (alongside is not null && known[i] is not null && side is null)
                {
                    BuiltLayer[] layers = [.. known.Select((k, j) => k ?? built[j])];
                    side = Task.Run(() => SideAsync(Documents(plan, baseLayers, layers)), second.Token);
                }
                if (present)
                {
                    skipped++;
                    built[i] = known[i]!;
                    continue;
                }
                built[i] = await PushLayerAsync(plan.Layers[i], plan.Compression, target, known[i], second.Token);
            }
            if (alongside is not null) side ??= SideAsync(Documents(plan, baseLayers, built));
            if (side is not null) sideConfig = await side;
        }
        catch (Exception) when (side is { IsFaulted: true })
        {
            await side; // the other connection's failure is the cause (it cancelled this one)
            throw;
        }
        catch (Exception) when (side is not null)
        {
            await second.CancelAsync();
            await ((Task)side).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        skipped += sideConfig.BaseSkipped;
        var (config, configDesc, manifest) = Documents(plan, baseLayers, built);
        // Without alongside work, or when a layer differed from its known digest, the config goes up here.
        if (sideConfig.Digest == configDesc.Digest ? sideConfig.Present : await target.HasBlobAsync(configDesc, ct))
            skipped++;
        else if (sideConfig.Digest != configDesc.Digest) await PushConfigAsync(target, configDesc, config, ct);
        await target.PutManifestAsync(manifest, MediaTypes.OciManifest, plan.Tag, ct);
        return new ImageResult(OciDigest.Of(manifest), manifest, config.Length + baseLayers.Sum(l => l.Size)
            + built.Sum(l => l.Descriptor.Size) + manifest.Length, target.BytesWritten, skipped);

        // The base layers, the config (and whether the target had it), then the alongside work, on a second
        // connection.
        async Task<(string Digest, bool Present, int BaseSkipped)> SideAsync(
            (byte[] Config, Descriptor ConfigDesc, byte[] Manifest) image)
        {
            try
            {
                var baseSkipped = await BaseLayersAsync(plan, target, second.Token);
                var present = await target.HasBlobAsync(image.ConfigDesc, second.Token);
                if (!present) await PushConfigAsync(target, image.ConfigDesc, image.Config, second.Token);
                await alongside!(new ImageToCome(OciDigest.Of(image.Manifest), image.Manifest), second.Token);
                return (image.ConfigDesc.Digest, present, baseSkipped);
            }
            catch (Exception)
            {
                await second.CancelAsync();
                throw;
            }
        }
    }

    /// <summary>The base layers the target lacks, copied or mounted; returns how many it had.</summary>
    private async Task<int> BaseLayersAsync(ImagePlan plan, IImageTarget target, CancellationToken ct)
    {
        var present = 0;
        foreach (var layer in plan.Base.Layers)
        {
            var desc = layer with { MediaType = MediaTypes.ToOciLayer(layer.MediaType) };
            if (await target.HasBlobAsync(desc, ct)) present++;
            else
            {
                var copied = await target.PushBlobAsync(desc, c => plan.Base.OpenBlob(layer, c), ct);
                reporter.Info(model, copied
                    ? $"copied base layer {desc.Digest[..19]} ({desc.Size} bytes)"
                    : $"mounted base layer {desc.Digest[..19]} from the base image's repository (no bytes uploaded)");
            }
        }
        return present;
    }

    private async Task<BuiltLayer> PushLayerAsync(PlannedLayer planned, LayerCompression compression,
        IImageTarget target, BuiltLayer? known, CancellationToken ct)
    {
        using var progress = reporter.StartTransfer(model, $"layer {planned.Description}", planned.Tar.Size);
        var built = known is null
            ? await target.PushLayerAsync(planned.Tar, compression, ct)
            : await target.PushKnownLayerAsync(planned.Tar, compression, known, ct);
        progress.Advance(planned.Tar.Size);
        cache.Put(planned.Recipe, built);
        return built;
    }

    private static Task<bool> PushConfigAsync(IImageTarget target, Descriptor configDesc, byte[] config,
        CancellationToken ct) =>
        target.PushBlobAsync(configDesc, _ => Task.FromResult<Stream>(new MemoryStream(config, writable: false)), ct);

    /// <summary>The config and manifest of the plan's image with these layers.</summary>
    private static (byte[] Config, Descriptor ConfigDesc, byte[] Manifest) Documents(ImagePlan plan,
        IReadOnlyList<Descriptor> baseLayers, IReadOnlyList<BuiltLayer> layers)
    {
        var config = OciJson.Config(plan.Base, [.. layers.Select(l => l.DiffId)], plan.Created, plan.Annotations,
            plan.Layers.Select(l => $"modelpipe package: COPY {l.Description} /models/").ToList());
        var configDesc = new Descriptor
        {
            MediaType = MediaTypes.OciConfig, Digest = OciDigest.Of(config), Size = config.Length,
        };
        var manifest = OciJson.Serialize(new ImageManifest
        {
            Config = configDesc,
            Layers = [.. baseLayers, .. layers.Select(l => l.Descriptor)],
            Annotations = new SortedDictionary<string, string>(plan.Annotations.ToDictionary(), StringComparer.Ordinal),
        });
        return (config, configDesc, manifest);
    }
}
