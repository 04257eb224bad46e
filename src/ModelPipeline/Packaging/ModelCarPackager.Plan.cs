using ModelPipeline.Models;
using ModelPipeline.Oci;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Validation;

namespace ModelPipeline.Packaging;

/// <summary>What PackageModelCar would make of a training key's output, computed without writing.</summary>
public sealed record PackagePreview
{
    public required string Destination { get; init; }
    public required string Repository { get; init; }
    public required string Tag { get; init; }
    public required string Digest { get; init; }

    /// <summary>Manifest + config + all layers (base included), as package.json would record it.</summary>
    public required long SizeBytes { get; init; }

    /// <summary>Every blob of the image and whether the destination already has it.</summary>
    public required IReadOnlyList<PlannedBlob> Blobs { get; init; }

    /// <summary>Whether the destination already holds the manifest (nothing to push).</summary>
    public required bool ManifestPresent { get; init; }

    /// <summary>The bytes of the blobs the destination lacks.</summary>
    public long UploadBytes => Blobs.Where(b => !b.Present).Sum(b => b.Size);
}

public sealed partial class ModelCarPackager
{
    /// <summary>
    /// PackageModelCar in read-only mode, for the what-if plan: the same tag, created time, base, layer plan
    /// and image writer as <see cref="PackageAsync"/>, run against a <see cref="DryRunTarget"/> with a layer
    /// cache that never stores, so the digest is the one the step will record. <paramref name="manifest"/> is
    /// the validated file list (or, before Validate ran, the output's files as Validate will list them).
    /// An earlier package.json of the same inputs whose image the destination still has is returned as is.
    /// </summary>
    public async Task<PackagePreview> PreviewAsync(ModelDefinition model, string key, IReadOnlyList<FileEntry> manifest,
        CancellationToken ct)
    {
        var (created, _) = await CreatedTime.ResolveAsync(model.Name, model.Directory, ct);
        var tag = Tag(model.Name, key);
        var destination = Destination(model.Name);
        var previous = state.ReadRun<PackageRecord>(model.Name, key, "package");
        if (previous is not null && previous.Inputs == Inputs(key, created, tag) && await destination.HasImageAsync(previous, ct))
            return new PackagePreview
            {
                Destination = previous.Destination, Repository = previous.Repository, Tag = previous.Tag,
                Digest = previous.Digest, SizeBytes = previous.SizeBytes, Blobs = [], ManifestPresent = true,
            };
        var baseImage = await ResolveBaseAsync(model.Name, ct);
        var plan = Plan(model, key, manifest, baseImage, created, tag);
        var target = new DryRunTarget(Target(model.Name));
        var cache = new LayerCache(Path.Combine(config.CacheDir, "oci-layers")) { ReadOnly = true };
        var result = await new ImageWriter(cache, NullReporter.Instance, model.Name).WriteAsync(plan, target, ct);
        return new PackagePreview
        {
            Destination = Settings.Destination, Repository = destination.Repository, Tag = tag, Digest = result.Digest,
            SizeBytes = result.TotalSize, Blobs = target.Blobs, ManifestPresent = target.ManifestPresent,
        };
    }

    /// <summary>The tag PackageModelCar gives a training key's image (<c>modelcar.tagTemplate</c>).</summary>
    public string TagOf(string model, string key) => Tag(model, key);

    /// <summary>The repository the image goes to, as package.json records it.</summary>
    public string RepositoryOf(string model) => Destination(model).Repository;

    /// <summary>The files Validate lists for an output folder (paths, sizes, sha256), read without writing.</summary>
    public static async Task<IReadOnlyList<FileEntry>> ManifestOfAsync(string output, CancellationToken ct)
    {
        var files = new List<FileEntry>();
        foreach (var rel in Digests.Files(output))
        {
            var path = Path.Combine(output, rel);
            files.Add(new FileEntry(rel, new FileInfo(path).Length, await Digests.FileSha256Async(path, ct)));
        }
        return files;
    }
}
