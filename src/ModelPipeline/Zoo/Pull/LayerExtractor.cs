using System.Formats.Tar;
using System.IO.Compression;
using ModelPipeline.Errors;
using ModelPipeline.Models;

namespace ModelPipeline.Zoo.Pull;

/// <summary>
/// Extracts the <c>/models</c> part of image layers into a staging folder: entries outside
/// <c>/models</c> are skipped; '..', absolute names, links that leave the folder, devices and
/// FIFOs are refused; OCI whiteouts are applied. The layer's digest is checked at its end.
/// </summary>
internal sealed class LayerExtractor(string staging)
{
    private const string Prefix = "models/";

    public async Task ExtractAsync(ImageReader image, Descriptor layer, int index, CancellationToken ct)
    {
        var what = $"layer {index + 1} ({layer.Digest})";
        await using var blob = await image.OpenBlobAsync(layer, what, ct);
        Stream tar = blob;
        if (layer.MediaType.EndsWith("+gzip", StringComparison.Ordinal) || layer.MediaType.EndsWith(".gzip", StringComparison.Ordinal))
            tar = new GZipStream(blob, CompressionMode.Decompress, leaveOpen: true);
        else if (layer.MediaType.Contains("zstd", StringComparison.Ordinal))
            throw new OperationFailedException($"{what}: zstd layers ({layer.MediaType}) are not supported. Fix: package the model with gzip or uncompressed layers.");
        try
        {
            using var reader = new TarReader(tar, leaveOpen: true);
            while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
                await ApplyAsync(entry, what, ct);
        }
        catch (InvalidDataException ex)
        {
            throw new OperationFailedException($"{what}: not a valid tar stream ({ex.Message}); refusing the image.", ex);
        }
        finally
        {
            if (!ReferenceEquals(tar, blob)) await tar.DisposeAsync();
        }
        await blob.DrainAsync(ct);
    }

    private async Task ApplyAsync(TarEntry entry, string what, CancellationToken ct)
    {
        var name = entry.Name.Replace('\\', '/').TrimStart('/');
        if (name.StartsWith("./", StringComparison.Ordinal)) name = name[2..];
        if (!name.StartsWith(Prefix, StringComparison.Ordinal)) return;
        var rel = name[Prefix.Length..].TrimEnd('/');
        if (rel.Length == 0) return;
        var target = Resolve(rel, what, entry.Name);

        var file = Path.GetFileName(rel);
        if (file.StartsWith(".wh.", StringComparison.Ordinal))
        {
            var dir = Path.GetDirectoryName(target)!;
            if (file == ".wh..wh..opq") { if (Directory.Exists(dir)) foreach (var e in Directory.EnumerateFileSystemEntries(dir)) Delete(e); }
            else Delete(Path.Combine(dir, file[4..]));
            return;
        }

        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                Directory.CreateDirectory(target);
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                Delete(target);
                await using (var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                    if (entry.DataStream is not null) await entry.DataStream.CopyToAsync(output, ct);
                break;
            case TarEntryType.SymbolicLink:
                var link = entry.LinkName.Replace('\\', '/');
                // A ".." in a link target can climb out through another link ("s -> ." then "t -> s/.."):
                // ModelCar images have no need for it, so it is refused outright.
                if (link.Split('/').Contains(".."))
                    throw new OperationFailedException($"{what}: entry '{entry.Name}' is a link to '{link}', which climbs with '..'; refusing the image.");
                var resolved = link.StartsWith('/')
                    ? link.TrimStart('/').StartsWith(Prefix, StringComparison.Ordinal) ? Path.Combine(staging, link.TrimStart('/')[Prefix.Length..]) : null
                    : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(target)!, link));
                if (resolved is null || !SafePath.IsInside(staging, Path.GetFullPath(resolved)))
                    throw new OperationFailedException($"{what}: entry '{entry.Name}' is a link to '{link}', outside /models; refusing the image.");
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                Delete(target);
                File.CreateSymbolicLink(target, Path.GetRelativePath(Path.GetDirectoryName(target)!, resolved));
                break;
            case TarEntryType.HardLink:
                var source = entry.LinkName.Replace('\\', '/').TrimStart('/');
                if (source.StartsWith("./", StringComparison.Ordinal)) source = source[2..];
                if (!source.StartsWith(Prefix, StringComparison.Ordinal))
                    throw new OperationFailedException($"{what}: entry '{entry.Name}' is a hard link to '{entry.LinkName}', outside /models; refusing the image.");
                var from = Resolve(source[Prefix.Length..], what, entry.Name);
                if (!File.Exists(from) || new FileInfo(from).LinkTarget is not null)
                    throw new OperationFailedException($"{what}: entry '{entry.Name}' is a hard link to '{entry.LinkName}', which is not a regular file under /models; refusing the image.");
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                Delete(target);
                File.Copy(from, target);
                break;
            default:
                throw new OperationFailedException($"{what}: entry '{entry.Name}' is a {entry.EntryType}, which a model folder may not hold; refusing the image.");
        }
    }

    private string Resolve(string rel, string what, string entryName)
    {
        var full = SafePath.TryResolve(staging, rel, out var reason);
        return full ?? throw new OperationFailedException($"{what}: entry '{entryName}' {reason}; refusing the image (a path must stay inside /models).");
    }

    private static void Delete(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || File.Exists(path)) File.Delete(path);
        else if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
    }
}
