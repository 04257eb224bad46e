using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Models;
using ModelPipeline.Oci;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Training;
using ModelPipeline.Trust;
using ModelPipeline.Validation;

namespace ModelPipeline.Packaging;

/// <summary>The result of packaging one model.</summary>
public sealed record PackageOutcome(PackageRecord Record, bool Skipped, long BytesWritten, int BlobsSkipped);

/// <summary>
/// The PackageModelCar step: the validated training output (exactly the files of the validation
/// manifest) becomes a KServe ModelCar image with the files under <c>/models</c>, linted, then
/// written to the configured destination and recorded in <c>runs/&lt;key&gt;/package.json</c>.
/// An unchanged key with unchanged settings is skipped when the destination still has the image;
/// a key the zoo already holds is not packaged at all (ModelCarPackager.Reuse.cs).
/// </summary>
public sealed partial class ModelCarPackager(PipelineConfig config, RunStateStore state, IPipelineReporter reporter, RegistryConnector registries)
{
    private ModelCarSettings Settings => config.ModelCar;

    public async Task<PackageOutcome> PackageAsync(ModelDefinition model, CancellationToken ct = default)
    {
        // The registry connection is opened first, on another thread (the process's first HTTP request is mostly
        // start-up work), while the run state is read; the created time is read from git (a process start) meanwhile.
        var destination = Destination(model.Name);
        var warmUp = destination.WarmUpAsync(ct);
        var key = state.RequireValidated(model.Name);
        if (state.ReadRun<Zoo.PublishedVersion>(model.Name, key, "published") is { } published)
        {
            if (!IsWayOut(published)) return await ReusePublishedAsync(model, key, published, ct);
            await RepackageAsync(model.Name, key, published, ct);
        }
        var tag = Tag(model.Name, key);
        var createdFromGit = CreatedTime.ResolveAsync(model.Name, model.Directory, ct);
        var report = state.ReadRun<ValidationReport>(model.Name, key, "validate")!;
        var train = state.ReadRun<TrainingRecord>(model.Name, key, "train");
        var previous = state.ReadRun<PackageRecord>(model.Name, key, "package");
        var (created, createdFrom) = await createdFromGit;
        if (train is null)
            throw new OperationFailedException($"model '{model.Name}': train.json for key {key[..12]} is missing. "
                + $"Fix: run ./build.sh Train --model {model.Name}.") { Model = model.Name };
        var inputs = Inputs(key, created, tag);
        await warmUp;

        if (previous is not null && previous.Inputs == inputs && await destination.HasImageAsync(previous, ct))
        {
            reporter.Info(model.Name, $"training key {key[..12]} and settings unchanged; {previous.Reference} is already in the {previous.Destination}");
            return new PackageOutcome(await AttestAsync(model, previous, ct), true, 0, 0);
        }

        reporter.Info(model.Name, $"created time {OciJson.Timestamp(created)} (from {createdFrom})");
        var baseImage = await ResolveBaseAsync(model.Name, ct);
        var plan = Plan(model, key, report.Manifest, baseImage, created, tag, validated: report.Layers);
        var findings = ModelCarLint.Check(plan, baseImage.HasShell, Settings);
        foreach (var w in findings.Where(f => !f.IsError)) reporter.Warning(model.Name, $"lint {w.Rule}: {w.Message}");
        var errors = findings.Where(f => f.IsError).ToList();
        if (errors.Count > 0)
            throw new GateFailedException($"model '{model.Name}': the ModelCar failed lint; nothing was written.", errors.Select(e => $"{e.Rule}: {e.Message}").ToList()) { Model = model.Name };

        PackageRecord Record(string digest, long size) => new()
        {
            Model = model.Name,
            TrainingKey = key,
            Destination = Settings.Destination,
            Repository = destination.Repository,
            Tag = tag,
            Digest = digest,
            Reference = $"{destination.Repository}@{digest}",
            StorageUri = $"oci://{destination.Repository}@{digest}",
            SizeBytes = size,
            CreatedAt = created,
            Location = state.RecordPath(destination.Location(tag)),
            Inputs = inputs,
            BaseImage = Settings.BaseImage,
            Warnings = findings.Where(f => !f.IsError).Select(f => $"{f.Rule}: {f.Message}").ToList(),
        };
        // Once the image's digest is known (before its big layers are uploaded, when Validate recorded their
        // digests), its SBOM and provenance are built and their blobs go up beside the layers. A ModelPack, which
        // the attestations name, is written only after the image. An OCI layout is written in order: a failed
        // write leaves no blob there, and local writes gain nothing from a second connection.
        PreparedAttestations? prepared = null;
        Func<ImageToCome, CancellationToken, Task>? alongside =
            Settings.Destination != "registry" ? null
            : Settings.Formats.Contains("modelpack") ? (_, _) => Task.CompletedTask
            : async (image, c) =>
            {
                var attestations = await new ImageAttestor(config, state, reporter, registries)
                    .PrepareAsync(model, Record(image.Digest, 0), null, image.Manifest.Length, c);
                await attestations.PushBlobsAsync(c);
                prepared = attestations;
            };
        var writer = new ImageWriter(new LayerCache(Path.Combine(config.CacheDir, "oci-layers")), reporter, model.Name);
        var result = await destination.WriteAsync(writer, plan, alongside, ct);
        var record = await AttestAsync(model, Record(result.Digest, result.TotalSize), ct,
            prepared?.Subject.Digest == result.Digest ? prepared : null);
        reporter.Info(model.Name, $"{record.Reference} ({result.BytesWritten} bytes written, {result.BlobsSkipped} blob(s) already present)");
        return new PackageOutcome(record, false, result.BytesWritten, result.BlobsSkipped);
    }

    private string Tag(string model, string key)
    {
        var tag = Settings.TagTemplate.Replace("{model}", model, StringComparison.Ordinal)
            .Replace("{key12}", key[..12], StringComparison.Ordinal).Replace("{key}", key, StringComparison.Ordinal);
        if (!ImageReference.IsValidTag(tag))
            throw new InvalidInputException($"pipeline.json: $.modelcar.tagTemplate '{Settings.TagTemplate}' gives '{tag}' for model '{model}', not a valid tag. Fix: use letters, digits, '.', '_', '-' (≤ 128) and the placeholders {{model}}, {{key12}}, {{key}}.") { Model = model };
        return tag;
    }

    private string Inputs(string key, DateTimeOffset created, string tag) => Digests.Sha256(string.Join('\n',
        "modelcar/1", key, created.ToUnixTimeSeconds(), tag, Settings.Destination, Settings.Repository, Settings.LayoutDir,
        Settings.TarballDir, Settings.BaseImage + (EmbeddedBase.IsEmbedded(Settings.BaseImage) ? "@" + Settings.Busybox.Sha256 : ""), Settings.Compression, Settings.LayerSplitBytes, Settings.SourceUrl));

    /// <summary>The layer of one file under <c>/models</c> (a file of at least <c>layerSplitBytes</c> gets its own),
    /// exactly as Validate hashes it to record its digest.</summary>
    public static TarLayer FileLayer(string sourcePath, string path, long size, string? sha256,
        DateTimeOffset created) =>
        new([new LayerFile(sourcePath, ImagePath(path), size, sha256)], created);

    private static string ImagePath(string path) => "models/" + path;

    /// <summary>The image of the validated files (<paramref name="manifest"/>); <paramref name="asTheyAre"/>: of the
    /// files as they are now (sizes read, contents not checked against the manifest), to learn what digest they give.
    /// <paramref name="validated"/>: the layer digests Validate recorded, which a push lets the registry
    /// check.</summary>
    private ImagePlan Plan(ModelDefinition model, string key, IReadOnlyList<FileEntry> manifest, BaseImage baseImage,
        DateTimeOffset created, string tag, bool asTheyAre = false, ValidatedLayers? validated = null)
    {
        var output = state.OutputDir(model.Name, key);
        var files = manifest.Select(f => (Entry: f, File: asTheyAre
            ? new LayerFile(Path.Combine(output, f.Path), ImagePath(f.Path),
                new FileInfo(Path.Combine(output, f.Path)).Length)
            : new LayerFile(Path.Combine(output, f.Path), ImagePath(f.Path), f.Size, f.Sha256))).ToList();
        var sha = files.ToDictionary(f => f.File.ImagePath, f => f.Entry.Sha256);
        var compression = Settings.Compression == "gzip" ? LayerCompression.Gzip : LayerCompression.None;
        var small = files.Where(f => f.Entry.Size < Settings.LayerSplitBytes).Select(f => f.File).ToList();
        var groups = new List<(List<LayerFile> Files, string Description, string? Validated)>();
        if (small.Count > 0) groups.Add((small, $"{small.Count} file(s)", null));
        groups.AddRange(files.Where(f => f.Entry.Size >= Settings.LayerSplitBytes).OrderBy(f => f.Entry.Path, StringComparer.Ordinal)
            .Select(f => (new List<LayerFile> { f.File }, f.Entry.Path,
                !asTheyAre && compression == LayerCompression.None && validated?.Created == created
                    ? validated.Digests.GetValueOrDefault(f.Entry.Path) : null)));
        var layers = groups.Select(g =>
        {
            var tar = new TarLayer(g.Files, created);
            var known = OciDigest.IsValid(g.Validated)
                ? new BuiltLayer(
                    new Descriptor { MediaType = MediaTypes.OciLayer, Digest = g.Validated!, Size = tar.Size },
                    g.Validated!)
                : null;
            return new PlannedLayer(tar, LayerCache.Recipe(tar, sha, compression), g.Description, known);
        }).ToList();

        var annotations = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["org.opencontainers.image.title"] = model.Name,
            ["org.opencontainers.image.revision"] = key,
            ["org.opencontainers.image.created"] = OciJson.Timestamp(created),
            ["dev.modelpipeline.model.name"] = model.Name,
            ["dev.modelpipeline.training-key"] = key,
        };
        if (!string.IsNullOrEmpty(Settings.SourceUrl)) annotations["org.opencontainers.image.source"] = Settings.SourceUrl;
        if (baseImage.Digest is not null)
        {
            annotations["org.opencontainers.image.base.name"] = baseImage.Name;
            annotations["org.opencontainers.image.base.digest"] = baseImage.Digest;
        }
        return new ImagePlan { Base = baseImage, Layers = layers, Compression = compression, Created = created, Annotations = annotations, Tag = tag };
    }
}
