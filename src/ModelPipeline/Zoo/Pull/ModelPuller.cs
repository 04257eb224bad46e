using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Oci;
using ModelPipeline.Progress;
using ModelPipeline.RunState;

namespace ModelPipeline.Zoo.Pull;

/// <summary>
/// <c>modelpipe pull NAME@REF --to DIR</c>: reads the version's image by digest from the registry
/// it was pushed to, or from an OCI image layout, verifies every blob, extracts <c>/models</c> into a staging folder beside DIR, checks
/// the files against the zoo manifest, and only then moves the folder into place. On any failure
/// DIR is left as it was (absent or empty).
/// </summary>
public sealed class ModelPuller(PipelineConfig config, IPipelineReporter reporter)
{
    /// <param name="layoutDir">Read from this OCI layout; null: the registry for images pushed to one, else <c>$.modelcar.layoutDir</c>.</param>
    /// <param name="modelPack">Read the version's CNCF ModelPack artifact instead of its ModelCar image (same files).</param>
    public async Task<PullResult> PullAsync(ResolvedVersion version, string? layoutDir, string targetDir, CancellationToken ct, bool modelPack = false)
    {
        var target = Path.GetFullPath(targetDir);
        if (File.Exists(target) || (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any()))
            throw new InvalidInputException($"--to {targetDir}: the folder exists and is not empty. Fix: pass a new or empty folder.");
        if (Trust.VersionVerifier.Applies(config))
            await Trust.VersionVerifier.VerifyAsync(config, reporter, version, layoutDir, null, ct);
        var image = version.Manifest.Image;
        using var registries = new RegistryConnector(config.Registry, reporter);
        IBlobSource source = layoutDir is null && image.Destination == "registry"
            ? new RegistryBlobSource(registries.For(ImageReference.Parse(image.Repository, $"zoo manifest of {version.Model} v{version.Version.Version}: image.repository")), ImageReference.Parse(image.Repository, "image.repository"))
            : new LayoutBlobSource(layoutDir ?? Path.Combine(config.RepoRoot, config.ModelCar.LayoutDir));
        var layout = new ImageReader(source);
        var digest = !modelPack ? image.Digest : image.ModelPack
            ?? throw new InvalidInputException($"{version.Model} v{version.Version.Version} has no ModelPack artifact (it was published without modelcar.formats \"modelpack\"). Fix: pull the ModelCar (leave out --format modelpack).");
        var model = version.Model;
        reporter.Info(model, $"pulling {model} v{version.Version.Version} ({digest}) from {layout.Source}");

        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.pull-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var manifest = await layout.ReadManifestAsync(digest, ct);
            await layout.VerifyAsync(manifest.Config!, "image config", ct);
            var extractor = new LayerExtractor(staging);
            for (var i = 0; i < manifest.Layers!.Count; i++)
                await extractor.ExtractAsync(layout, manifest.Layers[i], i, ct);
            await CheckFilesAsync(version, staging, ct);

            if (Directory.Exists(target)) Directory.Delete(target);
            Directory.Move(staging, target);
            var files = Digests.Files(target).ToList();
            reporter.Info(model, $"{files.Count} file(s) in {target}, every blob and file verified");
            return new PullResult { Model = model, Version = version.Version.Version, Digest = digest, Directory = target, Files = files };
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Every file the zoo manifest lists must be in the image with the same size and sha256.</summary>
    private static async Task CheckFilesAsync(ResolvedVersion version, string staging, CancellationToken ct)
    {
        var problems = new List<string>();
        foreach (var file in version.Manifest.Files)
        {
            var path = Path.Combine(staging, file.Path);
            if (!File.Exists(path)) { problems.Add($"{file.Path}: missing from the image"); continue; }
            var sha = await Digests.FileSha256Async(path, ct);
            if (sha != file.Sha256 || new FileInfo(path).Length != file.Size)
                problems.Add($"{file.Path}: sha256 {sha[..12]} differs from the zoo manifest's {file.Sha256[..12]}");
        }
        if (problems.Count > 0)
            throw new OperationFailedException($"{version.Model} v{version.Version.Version}: the image does not hold the files the zoo lists:{Environment.NewLine}  - {string.Join(Environment.NewLine + "  - ", problems)}{Environment.NewLine}Fix: the image or the zoo entry is wrong; re-publish the model.") { Model = version.Model };
    }
}

public sealed record PullResult
{
    public required string Model { get; init; }
    public required int Version { get; init; }
    public required string Digest { get; init; }
    public required string Directory { get; init; }
    public required IReadOnlyList<string> Files { get; init; }
}
