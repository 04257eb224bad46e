using ModelPipeline.Configuration;
using ModelPipeline.Models;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Zoo;
using ModelPipeline.Zoo.Pull;

namespace ModelPipeline.Validation;

/// <summary>
/// The gate verdict of a published version: the zoo's recorded report when the model's current
/// gates are the recorded ones; otherwise (gates changed, or a version published before reports
/// were recorded) the current gates re-run on the version's files, pulled from its image by digest
/// and verified against the zoo manifest.
/// </summary>
public static class PublishedGate
{
    private const string RecordedVerdict = "recorded verdict";

    /// <summary>Whether <paramref name="report"/> is a published version's recorded verdict (no gate ran).</summary>
    public static bool IsRecordedVerdict(ValidationReport report) =>
        report.From is { } from && from.StartsWith("zoo ", StringComparison.Ordinal)
        && from.EndsWith(": " + RecordedVerdict, StringComparison.Ordinal);

    /// <param name="filesDir">Where the version's files are kept or pulled to, when the gates must re-run.</param>
    /// <param name="localDir">A folder that may already hold them (used only when its files match the manifest).</param>
    public static async Task<ValidationReport> VerdictAsync(PipelineConfig config, IPipelineReporter reporter, ModelDefinition model,
        PublishedVersion published, string filesDir, CancellationToken ct, string? localDir = null)
    {
        var v = $"v{published.Version}";
        if (published.Validation is { } recorded && recorded.SameGates(model.Validation))
        {
            reporter.Info(model.Name, $"gates unchanged since {v} was published: its recorded verdict ({(recorded.Report.Passed ? "passed" : "failed")}) stands");
            return recorded.Report with
            {
                TrainingKey = published.Manifest.TrainingKey, From = $"zoo {v}: {RecordedVerdict}",
            };
        }
        reporter.Info(model.Name, published.Validation is null
            ? $"{v} has no recorded validation report; running the current gates on its files"
            : $"the gates in model.json differ from the ones {v} was validated with; running them on its files");
        if (localDir is not null && Directory.Exists(localDir) && await MatchesAsync(published.Manifest, localDir, ct)) filesDir = localDir;
        else await EnsureFilesAsync(config, reporter, published, filesDir, ct);
        var report = await Validator.CheckAsync(model, published.Manifest.TrainingKey, filesDir, ct);
        return report with { From = $"zoo {v}: current gates re-run on its files" };
    }

    /// <summary>Leaves exactly the version's files in <paramref name="dir"/>: kept when they match its manifest, else pulled.</summary>
    public static async Task EnsureFilesAsync(PipelineConfig config, IPipelineReporter reporter, PublishedVersion published, string dir, CancellationToken ct)
    {
        if (Directory.Exists(dir))
        {
            if (await MatchesAsync(published.Manifest, dir, ct)) return;
            Directory.Delete(dir, recursive: true);
        }
        await new ModelPuller(config, reporter).PullAsync(published.Resolved(), null, dir, ct);
    }

    private static async Task<bool> MatchesAsync(VersionManifest manifest, string dir, CancellationToken ct)
    {
        var files = Digests.Files(dir).ToList();
        if (!files.SequenceEqual(manifest.Files.Select(f => f.Path).Order(StringComparer.Ordinal))) return false;
        foreach (var f in manifest.Files)
        {
            var path = Path.Combine(dir, f.Path);
            if (new FileInfo(path).Length != f.Size || await Digests.FileSha256Async(path, ct) != f.Sha256) return false;
        }
        return true;
    }
}
