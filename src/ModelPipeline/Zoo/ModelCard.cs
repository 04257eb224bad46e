using System.Globalization;
using System.Text;

namespace ModelPipeline.Zoo;

/// <summary>The generated model card (<c>README.md</c> of a version folder).</summary>
public static class ModelCard
{
    public static string Render(VersionManifest manifest, ZooEntryInput input)
    {
        var d = input.Definition;
        var s = new StringBuilder();
        s.Append($"# {d.Name} v{manifest.Version}\n\n{d.Description}\n\n");
        s.Append($"- Owners: {string.Join(", ", d.Owners)}\n");
        s.Append($"- Created: {manifest.CreatedAt.ToString("u", CultureInfo.InvariantCulture)}\n");
        s.Append($"- Training key: `{manifest.TrainingKey}`\n");
        if (manifest.SourceCommit is not null) s.Append($"- Source commit: `{manifest.SourceCommit}`\n");
        if (manifest.ImportedFrom is { } imported)
            s.Append($"- Imported from: `{imported.Uri}` ({imported.Kind}, sha256 `{imported.Sha256}`)\n");
        s.Append($"- Format: {d.Artifacts.Format}; serving runtime: {d.Serving.Runtime}\n\n");

        s.Append("## Image\n\n");
        s.Append($"- Reference: `{manifest.Image.Reference}`\n- Digest: `{manifest.Image.Digest}`\n- Storage URI: `{manifest.Image.StorageUri}`\n");
        if (manifest.Image.Tag is not null) s.Append($"- Tag: `{manifest.Image.Repository}:{manifest.Image.Tag}`\n");
        s.Append($"\nPull it: `modelpipe pull {d.Name}@v{manifest.Version} --to DIR`\n\n");

        s.Append("## Metrics\n\n");
        if (input.Validation.Metrics.Count == 0) s.Append("No metrics were reported.\n\n");
        else
        {
            s.Append("| metric | value | gate |\n|---|---|---|\n");
            foreach (var (name, value) in input.Validation.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                var gate = d.Validation.Metrics.TryGetValue(name, out var g)
                    ? string.Join(", ", new[] { g.Min is { } min ? $"≥ {min.ToString(CultureInfo.InvariantCulture)}" : null, g.Max is { } max ? $"≤ {max.ToString(CultureInfo.InvariantCulture)}" : null }.OfType<string>())
                    : "";
                s.Append($"| {name} | {value.ToString("G6", CultureInfo.InvariantCulture)} | {gate} |\n");
            }
            s.Append('\n');
        }

        s.Append("## Data\n\n| source | kind | digest |\n|---|---|---|\n");
        foreach (var source in d.Data)
        {
            var fetched = input.Fetch?.Sources.FirstOrDefault(f => f.Name == source.Name);
            var digest = fetched?.Digest ?? source.Sha256 ?? (source.Commit is null ? "" : $"git:{source.Commit}");
            s.Append($"| {source.Name} | {source.Kind.ToString().ToLowerInvariant()} | `{digest}` |\n");
        }

        s.Append("\n## Training\n\n");
        s.Append($"- Backend: {d.Training.Backend}\n");
        if (input.Training is not null) s.Append($"- Run id: `{input.Training.RunId}`\n");
        if (input.Training?.RunUrl is not null) s.Append($"- Run: <{input.Training.RunUrl}>\n");
        foreach (var (name, value) in d.Training.Hyperparameters.OrderBy(h => h.Key, StringComparer.Ordinal))
            s.Append($"- {name}: {ZooEntryWriter.Format(value)}\n");

        s.Append("\n## Validation\n\n| check | result | detail |\n|---|---|---|\n");
        foreach (var check in input.Validation.Checks)
            s.Append($"| {check.Name} | {(check.Passed ? "pass" : "FAIL")} | {check.Detail.Replace("|", "\\|", StringComparison.Ordinal)} |\n");

        s.Append("\n## Files\n\n| file | bytes | sha256 |\n|---|---|---|\n");
        foreach (var f in manifest.Files)
            s.Append($"| {f.Path}{(f.Inline ? " (inline)" : "")} | {f.Size} | `{f.Sha256}` |\n");
        return s.ToString();
    }
}
