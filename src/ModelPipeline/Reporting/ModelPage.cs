using System.Text;
using static ModelPipeline.Reporting.HtmlPage;

namespace ModelPipeline.Reporting;

/// <summary><c>models/&lt;name&gt;.html</c>: versions, metric charts, and per version its lineage and validation.</summary>
internal static partial class ModelPage
{
    public static string Render(ModelReport m, ReportData data)
    {
        var s = new StringBuilder(16384);
        s.Append($"<h1>{E(m.Name)}</h1>\n<p class=\"lead\">{E(m.Description)}</p>\n");
        s.Append("<dl class=\"facts\">");
        s.Append($"<div><dt>Owners</dt><dd>{(m.Owners.Count == 0 ? "—" : string.Join(", ", m.Owners.Select(E)))}</dd></div>");
        s.Append($"<div><dt>Latest</dt><dd>{VersionLink(m.Latest)}</dd></div>");
        s.Append($"<div><dt>In test</dt><dd>{VersionLink(m.Test)}</dd></div>");
        s.Append($"<div><dt>In prod</dt><dd>{VersionLink(m.Prod)}</dd></div>");
        s.Append($"<div><dt>Aliases</dt><dd>{(m.Aliases.Count == 0 ? "—" : string.Join(", ", m.Aliases.Select(a => $"{E(a.Key)} → v{a.Value}")))}</dd></div>");
        s.Append("</dl>\n");
        s.Append($"<p>Pull the latest: <code>modelpipe pull {E(m.Name)}@latest --to DIR</code></p>\n");

        Charts(s, m, data.ChartCacheDir);
        Versions(s, m);
        PromotionHistorySection(s, m, data);
        s.Append("<section aria-labelledby=\"details\"><h2 id=\"details\">Lineage and validation</h2>\n");
        foreach (var v in m.Versions.Reverse()) Details(s, m, v);
        s.Append("</section>\n");
        return HtmlPage.Render(m.Name, "../", s.ToString(), data, stamped: false);
    }

    private static string VersionLink(int? v) => v is { } n ? $"<a href=\"#v{n}\">v{n}</a>" : "—";

    private static void Charts(StringBuilder s, ModelReport m, string? chartCache)
    {
        s.Append("<section aria-labelledby=\"metrics\"><h2 id=\"metrics\">Metrics across versions</h2>\n");
        var metrics = m.MetricNames;
        if (metrics.Count == 0) s.Append("<p>No version reported metrics.</p>\n");
        s.Append("<p class=\"legend\"><span class=\"key series\"></span> value per version <span class=\"key gate\"></span> gate <span class=\"key test\"></span> test <span class=\"key prod\"></span> prod</p>\n");
        var chart = 0;
        s.Append("<div class=\"charts\">\n");
        foreach (var metric in metrics)
        {
            var points = m.Versions.Where(v => v.Metrics.ContainsKey(metric)).Select(v => (v.Version, v.Metrics[metric])).ToList();
            var gate = m.LatestVersion?.Gates.GetValueOrDefault(metric) ?? m.Versions.LastOrDefault(v => v.Gates.ContainsKey(metric))?.Gates[metric];
            var svg = ChartCache.Svg(chartCache, metric, points, gate, m.Test, m.Prod, $"c{chart++}");
            s.Append($"<figure class=\"chart\" data-metric=\"{E(metric)}\" data-points=\"{points.Count}\">\n");
            s.Append($"<figcaption><strong>{E(metric)}</strong>");
            if (gate is not null) s.Append($" — gate {Gate(gate)}");
            s.Append("</figcaption>\n").Append(svg).Append('\n');
            s.Append($"<details><summary>Values of {E(metric)}</summary><table><thead><tr><th scope=\"col\">version</th><th scope=\"col\" class=\"num\">{E(metric)}</th><th scope=\"col\">gate</th></tr></thead><tbody>");
            foreach (var (version, value) in points)
            {
                var g = m.Versions.First(v => v.Version == version).Gates.GetValueOrDefault(metric);
                var passes = g is null || ((g.Min is not { } lo || value >= lo) && (g.Max is not { } hi || value <= hi));
                s.Append($"<tr><td>v{version}</td><td class=\"num\">{Number(value)}</td><td>{(g is null ? "—" : passes ? Badge("pass", "ok") : Badge("fails " + Gate(g), "failed"))}</td></tr>");
            }
            s.Append("</tbody></table></details>\n</figure>\n");
        }
        s.Append("</div>\n</section>\n");
    }

    private static string Gate(Models.MetricGate g) => string.Join(", ", new[]
    {
        g.Min is { } min ? $"≥ {Number(min)}" : null,
        g.Max is { } max ? $"≤ {Number(max)}" : null,
    }.OfType<string>());

    private static void Versions(StringBuilder s, ModelReport m)
    {
        s.Append("<section aria-labelledby=\"versions\"><h2 id=\"versions\">Versions</h2>\n<div class=\"scroll\"><table class=\"versions\">\n");
        s.Append("<thead><tr><th scope=\"col\">Version</th><th scope=\"col\">Status</th><th scope=\"col\">Aliases</th><th scope=\"col\">Tags</th><th scope=\"col\">Created</th><th scope=\"col\">Training key</th><th scope=\"col\">Image digest</th><th scope=\"col\" class=\"num\">Size</th><th scope=\"col\">Validation</th><th scope=\"col\">Serving check</th></tr></thead>\n<tbody>\n");
        foreach (var v in m.Versions.Reverse())
        {
            var env = string.Concat(m.Test == v.Version ? Badge("test", "test") : "", m.Prod == v.Version ? Badge("prod", "prod") : "");
            s.Append($"<tr><th scope=\"row\"><a href=\"#v{v.Version}\">v{v.Version}</a> {env}</th><td>{E(v.Status)}{IndexPage.State(v.Lifecycle)}");
            if (v.Lifecycle is { } life) s.Append($"<p class=\"desc\">{E(life.Reason)}</p>");
            s.Append($"</td><td>{(v.Aliases.Count == 0 ? "—" : string.Join(" ", v.Aliases.Select(a => Badge(a, "alias"))))}</td>");
            s.Append($"<td>{(v.KeyTags.Count == 0 ? "—" : string.Join(" ", v.KeyTags.Select(t => Badge($"{t.Key}={t.Value}", "muted"))))}</td>");
            s.Append($"<td>{Time(v.CreatedAt)}</td><td>{Digest(v.Manifest.TrainingKey)}</td><td>{Digest(v.Manifest.Image.Digest)}</td>");
            s.Append($"<td class=\"num\">{Bytes(v.SizeBytes)}</td><td>{Verdict(v)}</td><td>{ServingBadge(v.Serving)}</td></tr>\n");
        }
        s.Append("</tbody>\n</table></div>\n");
        if (m.ArchivedHidden > 0)
            s.Append($"<p class=\"muted\">{m.ArchivedHidden} archived version(s) hidden (<code>modelpipe report --archived</code> shows them).</p>\n");
        s.Append("</section>\n");
    }

    private static string Verdict(VersionReport v) => v.Validation is null
        ? "<span class=\"muted\">not recorded</span>"
        : v.Validation.Passed ? Badge("passed", "ok") : Badge($"failed ({v.Validation.Checks.Count(c => !c.Passed)})", "failed");
}
