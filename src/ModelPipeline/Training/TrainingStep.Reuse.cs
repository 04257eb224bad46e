using System.Text.Json;
using ModelPipeline.Errors;
using ModelPipeline.Fetching;
using ModelPipeline.Models;
using ModelPipeline.RunState;
using ModelPipeline.Zoo;

namespace ModelPipeline.Training;

/// <summary>
/// Published state is the cache: a training key the zoo already holds as vN is not trained again.
/// Train records the version (<c>runs/&lt;key&gt;/published.json</c>) and the later steps use its
/// validation record, image digest and files (pulled from the image when a gate must re-run).
/// </summary>
public sealed partial class TrainingStep
{
    /// <summary>The zoo to look training keys up in (null: only this workspace's run state counts).</summary>
    public ZooRepository? Zoo { get; init; }

    /// <summary>Train even a published key, and compare the new files with the published ones (never publishes them).</summary>
    public bool Retrain { get; init; }

    /// <summary>
    /// The zoo's version of this key, also kept in the run state. When the zoo cannot be read, the
    /// version recorded earlier in this workspace (if any) still counts; a key the zoo does not
    /// hold drops a stale record (e.g. after switching to another zoo).
    /// </summary>
    private async Task<PublishedVersion?> FindPublishedAsync(ModelDefinition model, string key, CancellationToken ct)
    {
        if (Zoo is null) return null;
        PublishedVersion? found;
        try
        {
            found = await Zoo.FindByKeyAsync(model.Name, key, ct);
        }
        catch (OperationFailedException ex)
        {
            var recorded = state.ReadRun<PublishedVersion>(model.Name, key, "published");
            reporter.Warning(model.Name, $"could not look training key {key[..12]} up in the zoo ({Redactor.Redact(ex.Message.Split('\n')[0])}); " +
                (recorded is null ? "going by this workspace's run state" : $"using v{recorded.Version} recorded earlier"));
            return recorded;
        }
        if (found is null)
        {
            if (File.Exists(Path.Combine(state.RunDir(model.Name, key), "published.json"))) state.DeleteRun(model.Name, key, "published");
            return null;
        }
        if (!RecordedAlready(model.Name, key, found)) state.WriteRun(model.Name, key, "published", found);
        return found;
    }

    /// <summary>
    /// Whether published.json already says this, up to the zoo commit it was read at: every publish of another
    /// model moves the zoo's tip, and the version is the same at both commits (published versions never change).
    /// </summary>
    private bool RecordedAlready(string model, string key, PublishedVersion found)
    {
        var path = Path.Combine(state.RunDir(model, key), "published.json");
        if (!File.Exists(path)) return false;
        var bytes = File.ReadAllBytes(path);
        string? commit;
        try
        {
            using var recorded = JsonDocument.Parse(bytes);
            commit = recorded.RootElement.TryGetProperty("zooCommit", out var c) && c.ValueKind == JsonValueKind.String
                ? c.GetString()
                : null;
        }
        catch (JsonException)
        {
            return false;
        }
        var same = JsonSerializer.SerializeToUtf8Bytes(found with { ZooCommit = commit }, RunStateStore.Json);
        return bytes.AsSpan().SequenceEqual(same);
    }

    private (TrainingRecord, bool) Reuse(ModelDefinition model, string key, PublishedVersion published, TrainingRecord? previous)
    {
        var output = state.OutputDir(model.Name, key);
        // Files trained here may differ from the published ones (a non-deterministic trainer, another
        // clone published first): only the published files may be validated or packaged, so local
        // files whose validated manifest is not the published one go (they are pulled when needed).
        if (previous?.ReusedVersion != published.Version && Directory.Exists(output) && !ValidatedAsPublished(model.Name, key, published))
            Directory.Delete(output, recursive: true);
        var record = new TrainingRecord
        {
            Model = model.Name,
            TrainingKey = key,
            Backend = model.Training.Backend,
            RunId = $"zoo:v{published.Version}",
            OutputDir = state.Relative(output),
            StartedAt = published.Manifest.CreatedAt,
            Files = published.Manifest.Files.Select(f => f.Path).ToList(),
            ReusedVersion = published.Version,
        };
        state.WriteRun(model.Name, key, "train", record);
        state.SetCurrentKey(model.Name, key);
        reporter.Info(model.Name, $"training key {key[..12]} is published as v{published.Version} ({published.Manifest.Image.Digest[..19]}); reused v{published.Version}, nothing trained");
        return (record, true);
    }

    /// <summary>Whether this workspace validated exactly the published files for the key (same paths, sizes and sha256).</summary>
    private bool ValidatedAsPublished(string model, string key, PublishedVersion published)
    {
        var report = state.ReadRun<Validation.ValidationReport>(model, key, "validate");
        return report is not null
            && report.Manifest.Select(f => (f.Path, f.Size, f.Sha256)).Order().SequenceEqual(published.Manifest.Files.Select(f => (f.Path, f.Size, f.Sha256)).Order());
    }

    /// <summary>
    /// <c>--retrain</c> of a published key: trains into <c>runs/&lt;key&gt;/retrained/</c>, compares each
    /// file with vN's manifest and records <c>reproducibility.json</c>. vN stays the key's only version.
    /// </summary>
    private async Task<(TrainingRecord, bool)> RetrainAsync(ModelDefinition model, FetchRecord fetch, string key, PublishedVersion published, CancellationToken ct)
    {
        var retrained = Path.Combine(state.RunDir(model.Name, key), "retrained");
        var run = await RunBackendAsync(model, fetch, key, retrained, ct);
        var expected = published.Manifest.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var differences = new List<string>();
        foreach (var rel in Digests.Files(retrained))
        {
            var path = Path.Combine(retrained, rel);
            if (!expected.Remove(rel, out var file)) { differences.Add($"{rel}: not in v{published.Version}"); continue; }
            var sha = await Digests.FileSha256Async(path, ct);
            if (sha != file.Sha256) differences.Add($"{rel}: sha256 {sha[..12]} ≠ published {file.Sha256[..12]} ({new FileInfo(path).Length} vs {file.Size} bytes)");
        }
        differences.AddRange(expected.Keys.Order(StringComparer.Ordinal).Select(rel => $"{rel}: published in v{published.Version}, not produced by this run"));
        var report = new ReproducibilityReport { Version = published.Version, Reproducible = differences.Count == 0, Differences = differences, RetrainedDir = state.Relative(retrained) };
        state.WriteRun(model.Name, key, "reproducibility", report);
        var (record, _) = Reuse(model, key, published, state.ReadRun<TrainingRecord>(model.Name, key, "train"));
        record = record with { Reproducibility = report, DurationSeconds = run.DurationSeconds };
        state.WriteRun(model.Name, key, "train", record);
        if (report.Reproducible)
            reporter.Info(model.Name, $"retrained key {key[..12]}: all {published.Manifest.Files.Count} file(s) are identical to v{published.Version}; reproducible");
        else
            reporter.Warning(model.Name, $"retrained key {key[..12]}: {differences.Count} file(s) differ from v{published.Version} (not reproducible): {string.Join("; ", differences)}. " +
                $"v{published.Version} stays the version of this key; the new files are in {retrained}.");
        return (record, false);
    }
}
