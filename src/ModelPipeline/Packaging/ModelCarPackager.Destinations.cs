using ModelPipeline.Configuration;
using ModelPipeline.Oci;

namespace ModelPipeline.Packaging;

/// <summary>Where the image goes: an OCI layout (also the source of the tarball) or a registry repository.</summary>
public sealed partial class ModelCarPackager
{
    private Task<BaseImage> ResolveBaseAsync(string model, CancellationToken ct) => EmbeddedBase.IsEmbedded(Settings.BaseImage)
        ? Task.FromResult(Embedded(
            Settings.Busybox with { Path = Path.GetFullPath(Path.Combine(config.RepoRoot, Settings.Busybox.Path)) },
            $"pipeline.json: $.modelcar.baseImage (model '{model}')"))
        : new BaseImageResolver(registries, config.CacheDir).ResolveAsync(Settings.BaseImage, $"pipeline.json: $.modelcar.baseImage (model '{model}')", ct);

    /// <summary>
    /// The embedded base, built once per process for a binary and pin: reading and hashing the binary and
    /// building its layer would otherwise be repeated for every model a run packages. A binary replaced
    /// on disk (another size or modification time) is read and checked against the pin again.
    /// </summary>
    private static BaseImage Embedded(BusyboxSettings busybox, string where)
    {
        var file = new FileInfo(busybox.Path);
        if (!file.Exists) return EmbeddedBase.Build(busybox, where); // the clear error
        var key = (busybox.Path, busybox.Sha256, file.Length, file.LastWriteTimeUtc);
        lock (EmbeddedBuilt)
        {
            if (EmbeddedBuilt.TryGetValue(key, out var built)) return built;
            built = EmbeddedBase.Build(busybox, where);
            EmbeddedBuilt[key] = built;
            return built;
        }
    }

    private static readonly Dictionary<(string Path, string? Sha256, long Length, DateTime Written), BaseImage>
        EmbeddedBuilt = [];

    private IPackageDestination Destination(string model)
    {
        var layoutDir = Path.GetFullPath(Path.Combine(config.RepoRoot, Settings.LayoutDir));
        return Settings.Destination switch
        {
            "registry" => new RegistryDestination(registries, ImageReference.Parse(Settings.Repository, $"pipeline.json: $.modelcar.repository (model '{model}')"), Settings.BaseImage),
            "tarball" => new LayoutDestination(new OciLayout(layoutDir), Settings.Repository, Path.GetFullPath(Path.Combine(config.RepoRoot, Settings.TarballDir))),
            _ => new LayoutDestination(new OciLayout(layoutDir), Settings.Repository, null),
        };
    }

    private interface IPackageDestination
    {
        string Repository { get; }

        string? Location(string tag);

        Task<bool> HasImageAsync(PackageRecord previous, CancellationToken ct);

        /// <summary>Start-up work that can overlap the step's own (never fails).</summary>
        Task WarmUpAsync(CancellationToken ct);

        Task<ImageResult> WriteAsync(ImageWriter writer, ImagePlan plan,
            Func<ImageToCome, CancellationToken, Task>? alongside, CancellationToken ct);
    }

    private sealed class LayoutDestination(OciLayout layout, string repository, string? tarballDir) : IPackageDestination
    {
        public string Repository => repository;

        public string? Location(string tag) => tarballDir is null ? layout.Root : Path.Combine(tarballDir, tag + ".tar");

        public async Task<bool> HasImageAsync(PackageRecord previous, CancellationToken ct) =>
            await layout.HasManifestAsync(previous.Digest, ct) && layout.Resolve(previous.Tag)?.Digest == previous.Digest
            && (tarballDir is null || File.Exists(Location(previous.Tag)));

        public Task WarmUpAsync(CancellationToken ct) => Task.CompletedTask;

        public async Task<ImageResult> WriteAsync(ImageWriter writer, ImagePlan plan,
            Func<ImageToCome, CancellationToken, Task>? alongside, CancellationToken ct)
        {
            var result = await writer.WriteAsync(plan, layout, ct, alongside);
            if (tarballDir is not null)
                await layout.ExportDockerArchiveAsync(plan.Tag, $"{repository}:{plan.Tag}", Location(plan.Tag)!, ct);
            return result;
        }
    }

    private sealed class RegistryDestination(RegistryConnector registries, ImageReference repository, string baseImage) : IPackageDestination
    {
        public string Repository => repository.Name;

        public string? Location(string tag) => null;

        public async Task<bool> HasImageAsync(PackageRecord previous, CancellationToken ct) =>
            await registries.For(repository).HasManifestAsync(repository.Repository, previous.Digest, ct);

        /// <summary>On a pool thread: the client's set-up and the process's first request are mostly one-time
        /// start-up work, which overlaps the caller's reading of the run state.</summary>
        public Task WarmUpAsync(CancellationToken ct) =>
            Task.Run(() => registries.For(repository).WarmUpAsync(repository.Repository, ct), ct);

        public Task<ImageResult> WriteAsync(ImageWriter writer, ImagePlan plan,
            Func<ImageToCome, CancellationToken, Task>? alongside, CancellationToken ct)
        {
            var baseRef = baseImage == "scratch" || EmbeddedBase.IsEmbedded(baseImage) ? null : ImageReference.Parse(baseImage, "pipeline.json: $.modelcar.baseImage");
            var target = new RegistryTarget(registries.For(repository), repository.Repository, baseRef);
            return writer.WriteAsync(plan, target, ct, alongside);
        }
    }
}
