using ModelPipeline.Errors;
using ModelPipeline.Models;
using ModelPipeline.Packaging;
using ModelPipeline.RunState;

namespace ModelPipeline.Validation;

/// <summary>Which files get a ModelCar layer of their own (at least <paramref name="MinBytes"/>), and its
/// date.</summary>
public sealed record LayerPlan(long MinBytes, DateTimeOffset Created);

public sealed partial class Validator
{
    /// <summary>
    /// The layers PackageModelCar will build with the pipeline settings (uncompressed ones only: a compressed layer's
    /// digest is of its gzip stream, not of the tar), or null when there are none to record.
    /// </summary>
    private async Task<LayerPlan?> LayerPlanAsync(ModelDefinition model, CancellationToken ct)
    {
        if (Config?.ModelCar is not { Compression: "none" } car) return null;
        try
        {
            var (created, _) = await CreatedTime.ResolveAsync(model.Name, model.Directory, ct);
            return new LayerPlan(car.LayerSplitBytes, created);
        }
        catch (PipelineException)
        {
            return null; // a shallow checkout or a bad SOURCE_DATE_EPOCH: PackageModelCar reports it
        }
    }

    /// <summary>
    /// A file's manifest entry, and for a file that gets a layer of its own that layer's digest: both hashes over one
    /// read of the file.
    /// </summary>
    private static async Task<(FileEntry Entry, string? LayerDigest)> HashAsync(string output, string rel, long size,
        LayerPlan? layers, CancellationToken ct)
    {
        var path = Path.Combine(output, rel);
        if (layers is null || size < layers.MinBytes)
            return (new FileEntry(rel, size, await Digests.FileSha256Async(path, ct)), null);
        var (digest, sha256) = await ModelCarPackager.FileLayer(path, rel, size, null, layers.Created).DigestAsync(ct);
        return (new FileEntry(rel, size, sha256[0]), digest);
    }
}
