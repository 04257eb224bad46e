using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Models;
using ModelPipeline.Progress;

namespace ModelPipeline.Importing;

/// <summary>
/// Copies the files of an import source into a staging folder, streamed (never a whole file in
/// memory) and counted against <c>artifacts.maxTotalBytes</c>. One facet per source kind.
/// </summary>
internal sealed partial class ImportStager(PipelineConfig config, IPipelineReporter reporter, ModelDefinition model)
{
    /// <summary>Stages <paramref name="source"/>; returns the lineage kind and, for one file, its sha256.</summary>
    public Task<(string Kind, string? FileSha256)> StageAsync(ImportSource source, string staging, CancellationToken ct) =>
        source.Kind switch
        {
            ImportSourceKind.Path => FromPathAsync(source.Location, staging, ct),
            ImportSourceKind.Http => FromHttpAsync(new Uri(source.Location), staging, ct),
            ImportSourceKind.S3 => FromS3Async(new Uri(source.Location), staging, ct),
            _ => FromImageAsync(source, staging, ct),
        };

    private string Name => model.Name;

    private long MaxBytes => model.Artifacts.MaxTotalBytes;

    private InvalidInputException TooLarge(string what) =>
        new($"model '{Name}': {what} is larger than $.artifacts.maxTotalBytes ({MaxBytes:N0} bytes) of " +
            $"models/{Name}/model.json; the copy was stopped and nothing was kept. " +
            "Fix: raise artifacts.maxTotalBytes if the model is really that large.") { Model = Name };

    /// <summary>A file name of the source as a path inside <paramref name="staging"/> (folders created).</summary>
    private string Target(string staging, string rel, string source)
    {
        var target = SafePath.TryResolve(staging, rel, out var why)
            ?? throw new InvalidInputException(
                $"model '{Name}': {Redactor.Redact(source)} holds '{rel}', which {why}; nothing was kept. " +
                "Fix: import from a source whose file names are relative paths inside it.") { Model = Name };
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        return target;
    }
}
