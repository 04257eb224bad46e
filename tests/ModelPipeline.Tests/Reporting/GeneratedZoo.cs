using System.Globalization;
using ModelPipeline.Validation;
using ModelPipeline.Zoo;

namespace ModelPipeline.Tests.Reporting;

/// <summary>
/// Writes a zoo working tree the way PushMirrors lays it out, without git: versions with metrics
/// and gates, aliases, a failed gate, and versions that lack optional files and fields.
/// </summary>
public static class GeneratedZoo
{
    /// <summary>One model: its versions' metric values (null: no metrics.json) and what else to write.</summary>
    public sealed record Spec(string Name, int Versions)
    {
        public string Owner { get; init; } = "team@example.com";
        public string Description { get; init; } = "";
        public Func<int, IReadOnlyDictionary<string, double>?> Metrics { get; init; } = v => new Dictionary<string, double> { ["accuracy"] = 0.9 + v / 1000.0 };
        public string Gates { get; init; } = """{ "accuracy": { "min": 0.9 } }""";
        public IReadOnlyDictionary<string, int> Aliases { get; init; } = new Dictionary<string, int>();

        /// <summary>Write validation.json (gates and report) for each version.</summary>
        public bool Validation { get; init; } = true;

        /// <summary>Record the data digests in the manifest.</summary>
        public bool Data { get; init; } = true;

        /// <summary>Extra fields of the manifest's image (e.g. signature and SBOM digests), by version.</summary>
        public Func<int, IReadOnlyDictionary<string, string>?> ImageExtra { get; init; } = _ => null;

        /// <summary>Extra top-level manifest fields (e.g. lineage or signatures other steps add), by version.</summary>
        public Func<int, string?> ManifestExtra { get; init; } = _ => null;
    }

    public static void Write(string root, params Spec[] models)
    {
        foreach (var m in models)
        {
            for (var v = 1; v <= m.Versions; v++) WriteVersion(root, m, v);
            var aliases = new SortedDictionary<string, int>(m.Aliases.ToDictionary(), StringComparer.Ordinal) { [ZooLayout.Latest] = m.Versions };
            ZooLayout.Write(ZooLayout.AliasesPath(root, m.Name), aliases);
            ZooLayout.Write(ZooLayout.ModelIndexPath(root, m.Name), ZooIndexer.DeriveModel(root, m.Name));
        }
        ZooLayout.Write(ZooLayout.IndexPath(root), ZooIndexer.DeriveTop(root));
    }

    public static string Digest(string model, int v) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{model}/{v}")));

    public static string Key(string model, int v) => Digest($"key/{model}", v)[7..];

    private static void WriteVersion(string root, Spec m, int v)
    {
        var dir = ZooLayout.VersionDir(root, m.Name, v);
        Directory.CreateDirectory(dir);
        var digest = Digest(m.Name, v);
        var manifest = new VersionManifest
        {
            Model = m.Name,
            Version = v,
            TrainingKey = Key(m.Name, v),
            Description = m.Description.Length > 0 ? m.Description : $"{m.Name} generated model",
            Owners = [m.Owner],
            Image = new ZooImage
            {
                Repository = "localhost/modelzoo",
                Tag = $"{m.Name}-{Key(m.Name, v)[..12]}",
                Digest = digest,
                Reference = $"localhost/modelzoo@{digest}",
                StorageUri = $"oci://localhost/modelzoo@{digest}",
                SizeBytes = 4096 + v,
            },
            Files = [new ZooFile("model.onnx", 1000 * v, Digest("file", v)[7..], false), new ZooFile("metrics.json", 40, Digest("metrics", v)[7..], true)],
            CreatedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(v),
            SourceCommit = Digest("commit", v)[7..47],
            Data = m.Data ? [new ZooDataSource("train", "url", Digest("data", v)[7..])] : null,
        };
        var json = ZooLayout.ToJson(manifest);
        if (m.ImageExtra(v) is { } image)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(json)!;
            foreach (var (k, value) in image) node["image"]![k] = value;
            json = node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
        }
        if (m.ManifestExtra(v) is { } extra) json = json.TrimEnd().TrimEnd('}').TrimEnd() + ",\n" + extra + "\n}\n";
        File.WriteAllText(Path.Combine(dir, "manifest.json"), json);
        File.WriteAllText(Path.Combine(dir, "model.json"), $$"""
            {
              "name": "{{m.Name}}", "description": "{{m.Name}} generated model", "owners": ["{{m.Owner}}"],
              "data": [ { "name": "train", "url": "https://data.example.com/{{m.Name}}.csv", "sha256": "{{Digest("data", v)[7..]}}" } ],
              "training": { "backend": "local", "command": ["true"], "hyperparameters": { "epochs": {{v}} }, "sources": ["trainer"] },
              "artifacts": { "format": "onnx", "files": ["model.onnx"] },
              "validation": { "metrics": {{m.Gates}} },
              "serving": { "runtime": "onnx" }
            }
            """);
        var metrics = m.Metrics(v);
        if (metrics is not null) ZooLayout.Write(Path.Combine(dir, "metrics.json"), new SortedDictionary<string, double>(metrics.ToDictionary(), StringComparer.Ordinal));
        if (!m.Validation) return;
        var failing = metrics?.Where(x => x.Key == "accuracy" && x.Value < 0.9).Select(x => x.Key).ToList() ?? [];
        var report = new ValidationReport
        {
            Model = m.Name,
            TrainingKey = manifest.TrainingKey,
            Passed = failing.Count == 0,
            Checks =
            [
                new CheckResult("onnx-smoke", true, "3 vectors within 0.0001"),
                new CheckResult("metric accuracy", failing.Count == 0, string.Create(CultureInfo.InvariantCulture, $"accuracy {metrics?.GetValueOrDefault("accuracy")} (min 0.9)")),
            ],
            Manifest = [],
            Metrics = metrics ?? new Dictionary<string, double>(),
        };
        ZooLayout.Write(Path.Combine(dir, "validation.json"), new { gates = new { metrics = System.Text.Json.JsonDocument.Parse(m.Gates).RootElement }, report });
    }
}
