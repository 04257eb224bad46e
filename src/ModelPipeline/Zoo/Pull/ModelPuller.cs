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
        var digest = !modelPack ? image.Digest : image.ModelPack
            ?? throw new InvalidInputException($"{version.Model} v{version.Version.Version} has no ModelPack artifact (it was published without modelcar.formats \"modelpack\"). Fix: pull the ModelCar (leave out --format modelpack).");
        var label = $"{version.Model} v{version.Version.Version}";
        var files = await PullImageAsync(version.Model, label, image, digest, version.Manifest.Files, "the zoo", layoutDir, target, ct);
        return new PullResult { Model = version.Model, Version = version.Version.Version, Digest = digest, Directory = target, Files = files };
    }

    /// <summary>
    /// Reads the image <paramref name="digest"/> from where <paramref name="image"/> was written (its registry, or an
    /// OCI layout), verifies every blob, extracts <c>/models</c> into a staging folder beside <paramref name="target"/>,
    /// checks that it holds exactly <paramref name="expected"/> (size and sha256; <paramref name="expectedFrom"/> names
    /// the list in messages), and only then moves it to <paramref name="target"/> (which must not exist or be empty).
    /// </summary>
    public async Task<IReadOnlyList<string>> PullImageAsync(string model, string label, ZooImage image, string digest,
        IReadOnlyList<ZooFile> expected, string expectedFrom, string? layoutDir, string target, CancellationToken ct)
    {
        using var registries = new RegistryConnector(config.Registry, reporter);
        IBlobSource source = layoutDir is null && image.Destination == "registry"
            ? new RegistryBlobSource(registries.For(ImageReference.Parse(image.Repository, $"{label}: image.repository")), ImageReference.Parse(image.Repository, "image.repository"))
            : new LayoutBlobSource(layoutDir ?? Path.Combine(config.RepoRoot, config.ModelCar.LayoutDir));
        var layout = new ImageReader(source);
        reporter.Info(model, $"pulling {label} ({digest}) from {layout.Source}");

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
            await CheckFilesAsync(model, label, expected, expectedFrom, staging, ct);

            if (Directory.Exists(target)) Directory.Delete(target);
            Directory.Move(staging, target);
            var files = Digests.Files(target).ToList();
            reporter.Info(model, $"{files.Count} file(s) in {target}, every blob and file verified");
            return files;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Every file the list names must be in the image with the same size and sha256.</summary>
    private static async Task CheckFilesAsync(string model, string label, IReadOnlyList<ZooFile> expected, string expectedFrom, string staging, CancellationToken ct)
    {
        var problems = new List<string>();
        foreach (var file in expected)
        {
            var path = Path.Combine(staging, file.Path);
            if (!File.Exists(path)) { problems.Add($"{file.Path}: missing from the image"); continue; }
            var sha = await Digests.FileSha256Async(path, ct);
            if (sha != file.Sha256 || new FileInfo(path).Length != file.Size)
                problems.Add($"{file.Path}: sha256 {sha[..12]} differs from {expectedFrom}'s {file.Sha256[..12]}");
        }
        if (problems.Count > 0)
            throw new OperationFailedException($"{label}: the image does not hold the files {expectedFrom} lists:{Environment.NewLine}  - {string.Join(Environment.NewLine + "  - ", problems)}{Environment.NewLine}Fix: the image or {expectedFrom} is wrong; package and publish the model again.") { Model = model };
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
