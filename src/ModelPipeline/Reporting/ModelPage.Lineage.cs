using System.Text;
using static ModelPipeline.Reporting.HtmlPage;

namespace ModelPipeline.Reporting;

internal static partial class ModelPage
{
    /// <summary>Lineage fields that other steps record in the manifest, with the label they get here.</summary>
    private static readonly (string Key, string Label)[] TrainingFields =
    [
        ("trainingBackend", "Backend"), ("trainingRunId", "Run id"), ("trainingRunUrl", "Run"),
    ];

    private static readonly string[] SupplyChainWords = ["sign", "sbom", "provenance", "attest", "modelpack"];

    /// <summary>Labels of the supply-chain fields PushMirrors records (ZooImage); other fields keep their recorded names.</summary>
    private static readonly Dictionary<string, string> SupplyChainLabels = new(StringComparer.Ordinal)
    {
        ["image.signature"] = "Signature (cosign)",
        ["image.sbom"] = "SBOM (CycloneDX)",
        ["image.provenance"] = "Provenance (SLSA, DSSE)",
        ["image.modelPack"] = "ModelPack artifact",
    };

    /// <summary>One version: lineage panel, validation checks and files (open for the latest version).</summary>
    private static void Details(StringBuilder s, ModelReport m, VersionReport v)
    {
        var manifest = v.Manifest;
        var extra = v.Extra.Where(e => !e.Key.StartsWith("importedFrom", StringComparison.Ordinal)).ToList();
        s.Append($"<details id=\"v{v.Version}\" class=\"version\"{(v.Version == m.Latest ? " open" : "")}>\n");
        s.Append($"<summary><h3>v{v.Version}</h3> {Time(v.CreatedAt)} {string.Join(" ", v.Aliases.Select(a => Badge(a, "alias")))}</summary>\n");
        s.Append("<div class=\"lineage\">\n<section><h4>Lineage</h4><dl>");
        Fact(s, "Training key", $"<code>{E(manifest.TrainingKey)}</code>");
        Fact(s, "Source commit", manifest.SourceCommit is null ? "<span class=\"muted\">not recorded</span>" : $"<code>{E(manifest.SourceCommit)}</code>");
        var parent = m.Versions.LastOrDefault(p => p.Version < v.Version);
        Fact(s, "Parent version", parent is null ? "none (first version)" : $"<a href=\"#v{parent.Version}\">v{parent.Version}</a>");
        Imported(s, manifest.ImportedFrom);
        foreach (var (key, label) in TrainingFields)
        {
            var field = extra.FirstOrDefault(e => e.Key == key);
            if (field.Key is null) continue;
            extra.Remove(field);
            Fact(s, label, key.EndsWith("Url", StringComparison.Ordinal) ? Link(field.Value) : $"<code>{E(field.Value)}</code>");
        }
        if (v.Definition is { } d && !v.Extra.Any(e => e.Key == "trainingBackend"))
            Fact(s, "Backend", $"<code>{E(d.Training.Backend)}</code>");
        if (v.Definition is { } def)
        {
            Fact(s, "Trainer sources", def.Training.Sources.Count == 0 ? "the whole model folder" : string.Join(", ", def.Training.Sources.Select(x => $"<code>{E(x)}</code>")));
            if (def.Training.Hyperparameters.Count > 0)
                Fact(s, "Hyperparameters", string.Join(", ", def.Training.Hyperparameters.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{E(h.Key)} = <code>{E(Zoo.ZooEntryWriter.Format(h.Value))}</code>")));
        }
        s.Append("</dl>\n");
        Data(s, v);
        s.Append("</section>\n<section><h4>Image</h4><dl>");
        Fact(s, "Reference", $"<code>{E(manifest.Image.Reference)}</code>");
        Fact(s, "Digest", $"<code>{E(manifest.Image.Digest)}</code>");
        Fact(s, "Storage URI", $"<code>{E(manifest.Image.StorageUri)}</code>");
        if (manifest.Image.Tag is not null) Fact(s, "Tag", $"<code>{E(manifest.Image.Repository)}:{E(manifest.Image.Tag)}</code>");
        if (manifest.Image.SizeBytes > 0) Fact(s, "Image size", Bytes(manifest.Image.SizeBytes));
        s.Append("</dl>\n");
        var supply = extra.Where(e => SupplyChainWords.Any(w => e.Key.Contains(w, StringComparison.OrdinalIgnoreCase))).ToList();
        s.Append("<h4>Signature, SBOM, provenance</h4>");
        if (supply.Count == 0) s.Append("<p class=\"muted\">None recorded for this version.</p>");
        else Facts(s, supply.Select(f => KeyValuePair.Create(SupplyChainLabels.GetValueOrDefault(f.Key, f.Key), f.Value)));
        var other = extra.Except(supply).ToList();
        if (other.Count > 0)
        {
            s.Append("<h4>Other recorded fields</h4>");
            Facts(s, other);
        }
        s.Append("</section>\n</div>\n");
        Validation(s, v);
        ServingCheck(s, v);
        Files(s, v);
        s.Append("</details>\n");
    }

    /// <summary>An imported version (<c>modelpipe import</c>): the source it was taken from.</summary>
    private static void Imported(StringBuilder s, Importing.ImportLineage? imported)
    {
        if (imported is null) return;
        var uri = imported.Uri.StartsWith("http", StringComparison.Ordinal)
            ? Link(imported.Uri) : $"<code>{E(imported.Uri)}</code>";
        var layout = imported.HuggingFace ? ", a Hugging Face-style folder" : "";
        Fact(s, "Imported from", $"{uri} <span class=\"muted\">({E(imported.Kind)}{layout})</span>");
        Fact(s, "Source sha256", Digest("sha256:" + imported.Sha256));
        if (imported.ImageDigest is { } image) Fact(s, "Source image", Digest(image));
        if (imported.ImportedAt != default) Fact(s, "Imported at", Time(imported.ImportedAt));
    }

    private static void Data(StringBuilder s, VersionReport v)
    {
        s.Append("<h5>Data</h5>");
        if (v.Manifest.Data is { } data)
        {
            s.Append("<table><thead><tr><th scope=\"col\">source</th><th scope=\"col\">kind</th><th scope=\"col\">digest</th></tr></thead><tbody>");
            foreach (var d in data) s.Append($"<tr><td>{E(d.Name)}</td><td>{E(d.Kind)}</td><td>{Digest(d.Digest)}</td></tr>");
            s.Append("</tbody></table>\n");
        }
        else if (v.Definition is { } def)
        {
            s.Append("<p class=\"muted\">Digests not recorded in this version; as declared in its model.json:</p><table><thead><tr><th scope=\"col\">source</th><th scope=\"col\">declared</th></tr></thead><tbody>");
            foreach (var d in def.Data)
                s.Append($"<tr><td>{E(d.Name)}</td><td>{(d.File is not null ? $"file <code>{E(d.File)}</code>" : d.Url is not null ? $"{Link(d.Url)} {Digest(d.Sha256)}" : $"git {E(d.Git)} {Digest(d.Commit)}")}</td></tr>");
            s.Append("</tbody></table>\n");
        }
        else s.Append("<p class=\"muted\">Not recorded.</p>");
    }

    private static void Validation(StringBuilder s, VersionReport v)
    {
        s.Append("<section><h4>Validation</h4>");
        if (v.Validation is not { } val)
        {
            s.Append("<p class=\"muted\">No validation report is recorded for this version.</p></section>\n");
            return;
        }
        s.Append($"<p>{(val.Passed ? Badge("passed", "ok") : Badge("failed", "failed"))} <span class=\"muted\">from {E(val.Source)}</span></p>");
        s.Append("<table class=\"checks\"><thead><tr><th scope=\"col\">check</th><th scope=\"col\">result</th><th scope=\"col\">detail</th></tr></thead><tbody>");
        foreach (var c in val.Checks)
            s.Append($"<tr><td>{E(c.Name)}</td><td>{(c.Passed ? Badge("pass", "ok") : Badge("FAIL", "failed"))}</td><td>{E(c.Detail)}</td></tr>");
        s.Append("</tbody></table></section>\n");
    }

    private static void Files(StringBuilder s, VersionReport v)
    {
        s.Append("<section><h4>Files</h4><div class=\"scroll\"><table><thead><tr><th scope=\"col\">file</th><th scope=\"col\" class=\"num\">size</th><th scope=\"col\">sha256</th></tr></thead><tbody>");
        foreach (var f in v.Manifest.Files)
            s.Append($"<tr><td><code>{E(f.Path)}</code>{(f.Inline ? " <span class=\"muted\">(in the zoo)</span>" : "")}</td><td class=\"num\">{Bytes(f.Size)}</td><td>{Digest(f.Sha256)}</td></tr>");
        s.Append("</tbody></table></div></section>\n");
    }

    private static void Fact(StringBuilder s, string label, string html) => s.Append($"<div><dt>{E(label)}</dt><dd>{html}</dd></div>");

    private static void Facts(StringBuilder s, IEnumerable<KeyValuePair<string, string>> facts)
    {
        s.Append("<dl>");
        foreach (var (key, value) in facts)
            Fact(s, key, value.StartsWith("http", StringComparison.Ordinal) ? Link(value) : $"<code>{E(value)}</code>");
        s.Append("</dl>\n");
    }
}
