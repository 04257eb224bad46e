using System.Text;
using ModelPipeline.History;
using static ModelPipeline.Reporting.HtmlPage;

namespace ModelPipeline.Reporting;

internal static partial class ModelPage
{
    /// <summary>Per environment, every version that ran there (<see cref="PromotionHistory"/>), newest first.</summary>
    private static void PromotionHistorySection(StringBuilder s, ModelReport m, ReportData data)
    {
        s.Append("<section aria-labelledby=\"history\"><h2 id=\"history\">Promotion history</h2>\n");
        var entries = data.HistoryOf[m.Name].ToList();
        if (entries.Count == 0)
        {
            s.Append($"<p class=\"muted\">{E(data.HistorySource)}</p>\n</section>\n");
            return;
        }
        foreach (var env in PromotionHistory.Environments)
        {
            var stays = entries.Where(e => e.Environment == env).Reverse().ToList();
            s.Append($"<h3>{E(env)}</h3>");
            if (stays.Count == 0)
            {
                s.Append($"<p class=\"muted\">Never deployed to {E(env)}.</p>\n");
                continue;
            }
            s.Append($"<div class=\"scroll\"><table class=\"history\" data-environment=\"{E(env)}\"><thead><tr>");
            foreach (var h in new[] { "version", "from", "until", "proposed by", "merged by", "request", "commit" })
                s.Append($"<th scope=\"col\">{h}</th>");
            s.Append("</tr></thead><tbody>");
            foreach (var e in stays)
            {
                var rollback = e.Rollback ? " " + Badge($"rollback from v{e.Replaced}", "failed") : "";
                var request = e.RequestUrl is null
                    ? E(e.Request ?? "—")
                    : Link(e.RequestUrl, e.Request ?? e.RequestUrl);
                s.Append($"<tr><th scope=\"row\">{VersionLink(e.Version)}{rollback}</th><td>{Time(e.From)}</td>");
                s.Append($"<td>{(e.Until is { } u ? Time(u) : Badge("now", env))}</td><td>{E(e.ProposedBy)}</td>");
                s.Append($"<td>{E(e.MergedBy ?? "—")}</td><td>{request}</td>");
                s.Append($"<td><code>{E(e.Commit[..12])}</code></td></tr>");
            }
            s.Append("</tbody></table></div>\n");
        }
        s.Append("</section>\n");
    }
}
