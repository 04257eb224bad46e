using System.Globalization;
using System.Text;
using ModelPipeline.Models;

namespace ModelPipeline.GitOps;

/// <summary>
/// The title and body of a promotion pull request: a model card summary, the metrics compared with
/// the version now in prod (with deltas), the config diff, and links. Deterministic (no clock, no
/// random ids), so an unchanged promotion renders the same text and updates nothing.
/// </summary>
public static class PromotionBody
{
    public sealed record Input
    {
        public required ModelDefinition Model { get; init; }
        public required EnvironmentConfig Candidate { get; init; }
        public EnvironmentConfig? Prod { get; init; }

        /// <summary>What test runs now (it may be another version than the candidate: a rollback, a newer version).</summary>
        public EnvironmentConfig? Test { get; init; }
        public IReadOnlyDictionary<string, double>? CandidateMetrics { get; init; }
        public IReadOnlyDictionary<string, double>? ProdMetrics { get; init; }
        public required string Diff { get; init; }
        public required string TestedCommit { get; init; }
        public required string GitOpsRemote { get; init; }
        public required string ZooRemote { get; init; }
    }

    public static string Title(EnvironmentConfig candidate) =>
        $"Promote {candidate.Name} v{candidate.ModelVersion} to prod ({Short(candidate.ImageDigest)})";

    public static string Render(Input input)
    {
        var c = input.Candidate;
        var prodLabel = input.Prod is null ? "prod (none)" : $"prod v{input.Prod.ModelVersion}";
        var b = new StringBuilder();
        b.Append($"## Promote `{c.Name}` v{c.ModelVersion} to prod\n\n");
        AppendVersions(b, input);

        b.Append("### Model card\n\n| | |\n|---|---|\n");
        Row(b, "Model", $"`{c.Name}`: {input.Model.Description}");
        Row(b, "Owners", string.Join(", ", input.Model.Owners));
        Row(b, "Version", $"v{c.ModelVersion}");
        Row(b, "Runtime", c.Runtime);
        Row(b, "Image", $"`{c.ImageRepository}@{c.ImageDigest}`");
        Row(b, "Storage URI", $"`{c.StorageUri}`");
        Row(b, "Training key", $"`{c.TrainingKey}`");

        b.Append($"\n### Metrics (v{c.ModelVersion} compared with {prodLabel})\n\n");
        AppendMetrics(b, input, prodLabel);

        b.Append("\n### Config diff\n\n```diff\n").Append(input.Diff.TrimEnd('\n')).Append("\n```\n");

        b.Append("\n### Links\n\n");
        b.Append($"- Zoo entry: `models/{c.Name}/v{c.ModelVersion}/` in {input.ZooRemote} (model card: `models/{c.Name}/v{c.ModelVersion}/README.md`)\n");
        b.Append($"- Image: `{c.ImageRepository}@{c.ImageDigest}`\n");
        b.Append($"- Tested in: `test/{c.Name}/config.yaml` at GitOps commit `{input.TestedCommit}` ({input.GitOpsRemote})\n");
        b.Append($"\n<!-- modelpipe:promotion model={c.Name} version={c.ModelVersion} digest={c.ImageDigest} -->\n");
        return b.ToString();
    }

    /// <summary>"prod v3 → v1 (a rollback)", and what test runs: the real versions, never "what runs in test".</summary>
    private static void AppendVersions(StringBuilder b, Input input)
    {
        var c = input.Candidate;
        var to = $"v{c.ModelVersion} ({Short(c.ImageDigest)})";
        b.Append($"Sets `prod/{c.Name}/config.yaml`: ");
        if (input.Prod is null) b.Append($"prod (none) → {to}, the first deployment to prod.\n\n");
        else
        {
            b.Append($"**prod v{input.Prod.ModelVersion} → v{c.ModelVersion}** ({Short(input.Prod.ImageDigest)} → {Short(c.ImageDigest)})");
            b.Append(c.ModelVersion < input.Prod.ModelVersion ? ", a rollback to an older version.\n\n" : ".\n\n");
        }
        var test = input.Test;
        b.Append(test is null ? "Test runs no version now"
            : test.ModelVersion == c.ModelVersion && test.ImageDigest == c.ImageDigest ? $"Test runs v{test.ModelVersion} ({Short(test.ImageDigest)}), the version proposed here"
            : $"Test runs v{test.ModelVersion} ({Short(test.ImageDigest)}) now, not v{c.ModelVersion}");
        b.Append($"; v{c.ModelVersion} ran in test at GitOps commit `{Short(input.TestedCommit, 12)}`.\n\n");
    }

    private static void AppendMetrics(StringBuilder b, Input input, string prodLabel)
    {
        var candidate = input.CandidateMetrics;
        if (candidate is null || candidate.Count == 0)
        {
            b.Append($"No metrics for v{input.Candidate.ModelVersion} in this workspace's run state or the zoo.\n");
            return;
        }
        b.Append($"| metric | {prodLabel} | v{input.Candidate.ModelVersion} | delta |\n|---|---:|---:|---:|\n");
        var names = candidate.Keys.Union(input.ProdMetrics?.Keys ?? []).Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            double? now = candidate.TryGetValue(name, out var n) ? n : null;
            double? before = input.ProdMetrics is not null && input.ProdMetrics.TryGetValue(name, out var p) ? p : null;
            var delta = now is not null && before is not null ? (now.Value - before.Value).ToString("+0.####;-0.####;0", CultureInfo.InvariantCulture) : "n/a";
            b.Append($"| {name} | {Format(before)} | {Format(now)} | {delta} |\n");
        }
        if (input.Prod is not null && input.ProdMetrics is null)
            b.Append($"\nThe metrics of prod v{input.Prod.ModelVersion} are neither in this workspace's run state nor in the zoo.\n");
    }

    private static string Format(double? value) => value?.ToString("0.####", CultureInfo.InvariantCulture) ?? "n/a";

    private static void Row(StringBuilder b, string name, string value) =>
        b.Append($"| {name} | {value.Replace("|", "\\|", StringComparison.Ordinal)} |\n");

    private static string Short(string digest, int length = 19) => digest.Length > length ? digest[..length] : digest;
}
