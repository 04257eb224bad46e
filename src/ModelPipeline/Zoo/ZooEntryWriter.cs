using System.Text.Json;
using ModelPipeline.RunState;

namespace ModelPipeline.Zoo;

/// <summary>Writes one immutable version folder: model.json, README.md (model card), metrics.json, manifest.json, validation.json (gates and report), and small files inline.</summary>
public static class ZooEntryWriter
{
    public static async Task<VersionManifest> WriteAsync(string root, int version, ZooEntryInput input, long inlineMaxBytes, DateTimeOffset now, CancellationToken ct)
    {
        var model = input.Definition.Name;
        var dir = ZooLayout.VersionDir(root, model, version);
        Directory.CreateDirectory(dir);

        var files = new List<ZooFile>();
        foreach (var entry in input.Validation.Manifest)
        {
            var inline = inlineMaxBytes > 0 && entry.Size <= inlineMaxBytes;
            if (inline)
            {
                var target = Path.Combine(dir, "files", entry.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(Path.Combine(input.OutputDir, entry.Path), target);
                var copied = await Digests.FileSha256Async(target, ct);
                if (copied != entry.Sha256)
                    throw new Errors.OperationFailedException($"model '{model}': trained file {entry.Path} changed since validation (sha256 {copied[..12]} ≠ {entry.Sha256[..12]}). Fix: re-run ./build.sh Validate --model {model}.") { Model = model };
            }
            files.Add(new ZooFile(entry.Path, entry.Size, entry.Sha256, inline));
        }

        var manifest = new VersionManifest
        {
            Model = model,
            Version = version,
            TrainingKey = input.TrainingKey,
            Description = input.Definition.Description,
            Owners = input.Definition.Owners,
            Image = input.Image,
            Files = files,
            CreatedAt = now,
            SourceCommit = input.SourceCommit,
            Data = input.Fetch?.Sources.Select(f => new ZooDataSource(f.Name, f.Kind, f.Digest)).ToList(),
            TrainingBackend = input.Training?.Backend,
            TrainingRunId = input.Training?.RunId,
            TrainingRunUrl = input.Training?.RunUrl,
            ImportedFrom = input.Training?.ImportedFrom,
        };
        ZooLayout.Write(Path.Combine(dir, "manifest.json"), manifest);
        ZooLayout.Write(Path.Combine(dir, "model.json"), input.Definition);
        ZooLayout.Write(Path.Combine(dir, "metrics.json"), new SortedDictionary<string, double>(input.Validation.Metrics.ToDictionary(), StringComparer.Ordinal));
        ZooLayout.Write(Path.Combine(dir, ZooLayout.ValidationFile), new ZooValidation { Gates = input.Definition.Validation, Report = input.Validation, Serving = input.ServingCheck });
        await File.WriteAllTextAsync(Path.Combine(dir, "README.md"), ModelCard.Render(manifest, input), ct);
        return manifest;
    }

    internal static string Format(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}
