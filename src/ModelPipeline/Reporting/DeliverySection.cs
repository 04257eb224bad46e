using System.Text;
using ModelPipeline.Notifications;
using static ModelPipeline.Reporting.HtmlPage;

namespace ModelPipeline.Reporting;

/// <summary>The index page's webhook section: how many deliveries went out, and every one that failed (newest first).</summary>
internal static class DeliverySection
{
    private const int Shown = 50;

    public static void Render(StringBuilder s, ReportData data)
    {
        if (data.Deliveries.Count == 0) return;
        var failed = data.Deliveries.Where(d => d.Result != "delivered").OrderByDescending(d => d.At).ToList();
        s.Append("<section id=\"deliveries\" aria-labelledby=\"deliveries-h\"><h2 id=\"deliveries-h\">Webhook deliveries</h2>\n");
        s.Append($"<p>{data.Deliveries.Count - failed.Count} delivered, {failed.Count} failed");
        s.Append(" (from the delivery log <code>notifications/deliveries.jsonl</code> of the run state).</p>\n");
        if (failed.Count == 0)
        {
            s.Append("</section>\n");
            return;
        }
        s.Append("<div class=\"scroll\"><table id=\"failed-deliveries\">\n<caption>Failed deliveries");
        if (failed.Count > Shown) s.Append($" (the newest {Shown} of {failed.Count})");
        s.Append("</caption>\n<thead><tr><th scope=\"col\">When</th><th scope=\"col\">Event</th><th scope=\"col\">Model</th>");
        s.Append("<th scope=\"col\">Webhook</th><th scope=\"col\" class=\"num\">Attempts</th><th scope=\"col\">Error</th>");
        s.Append("<th scope=\"col\">Delivery id</th></tr></thead>\n<tbody>\n");
        foreach (var d in failed.Take(Shown))
        {
            s.Append($"<tr><td>{Time(d.At)}</td><td>{E(d.Event)}</td><td>{E(d.Model)}{(d.Version is { } v ? $" v{v}" : "")}</td>");
            s.Append($"<td>{E(d.Webhook)}</td><td class=\"num\">{d.Attempts}</td><td>{E(d.Error)}</td><td><code>{E(d.Id)}</code></td></tr>\n");
        }
        s.Append("</tbody>\n</table></div>\n</section>\n");
    }
}
