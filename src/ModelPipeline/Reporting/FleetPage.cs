using System.Text;
using static ModelPipeline.Reporting.HtmlPage;

namespace ModelPipeline.Reporting;

/// <summary><c>fleet.html</c>: serving hosts × models from the fleet record, with drift and stale hosts marked.</summary>
internal static class FleetPage
{
    public static string Render(FleetReport fleet, ReportData data)
    {
        var s = new StringBuilder(4096);
        var stale = fleet.Hosts.Count(h => h.Stale);
        var drifting = fleet.Hosts.Sum(h => h.Cells.Count(c => c.Drift));
        s.Append("<h1>Fleet</h1>\n");
        s.Append($"<p>{fleet.Hosts.Count} serving host(s) from the fleet record <code>{E(fleet.Source)}</code>");
        if (fleet.Commit is { } c) s.Append($" at <code title=\"{E(c)}\">{E(c[..Math.Min(12, c.Length)])}</code>");
        s.Append($": <span id=\"stale-count\">{stale}</span> stale (no pass within {fleet.StaleAfterSchedules} scheduled times), ");
        s.Append($"<span id=\"drift-count\">{drifting}</span> entr{(drifting == 1 ? "y" : "ies")} drifting ");
        s.Append("(serving another version than the zoo's reference says).</p>\n");
        IndexPage.Problems(s, data);
        if (fleet.Hosts.Count == 0)
        {
            s.Append("<p class=\"muted\">No host has reported yet.</p>\n");
            return HtmlPage.Render("Fleet", "", s.ToString(), data);
        }

        var models = fleet.Models;
        s.Append("<div class=\"scroll\"><table id=\"fleet\">\n<caption>Hosts × models: the version each host serves</caption>\n<thead><tr>");
        s.Append("<th scope=\"col\">Host</th><th scope=\"col\">Last pass</th>");
        foreach (var m in models) s.Append($"<th scope=\"col\"><a href=\"models/{E(m)}.html\">{E(m)}</a></th>");
        s.Append("</tr></thead>\n<tbody>\n");
        foreach (var h in fleet.Hosts)
        {
            var r = h.Record;
            s.Append($"<tr data-host=\"{E(r.Host)}\"{(h.Stale ? " class=\"stale\"" : "")}><th scope=\"row\">{E(r.Host)}");
            if (h.Stale) s.Append(' ').Append(Badge("stale", "failed"));
            s.Append("</th><td>");
            s.Append(r.LastPass is { } p ? $"{Time(p.StartedAt)} (exit {p.ExitCode})" : "never");
            if (r.LastError is { } err) s.Append($"<p class=\"desc\">{E(FirstLine(err))}</p>");
            s.Append("</td>");
            foreach (var m in models) Cell(s, h.Cells.FirstOrDefault(x => x.Entry.Model == m));
            s.Append("</tr>\n");
        }
        s.Append("</tbody>\n</table></div>\n");
        return HtmlPage.Render("Fleet", "", s.ToString(), data);
    }

    private static void Cell(StringBuilder s, FleetCellView? cell)
    {
        if (cell is null)
        {
            s.Append("<td class=\"muted\">—</td>");
            return;
        }
        var e = cell.Entry;
        var state = cell.Drift ? "drift" : cell.Unknown is not null ? "unknown" : "in-step";
        s.Append($"<td data-model=\"{E(e.Model)}\" data-state=\"{state}\">");
        s.Append(e.Version is { } v ? $"<a href=\"models/{E(e.Model)}.html#v{v}\">v{v}</a>" : "nothing");
        s.Append($" <span class=\"muted\">{E(e.Entry)}</span>");
        if (cell.Drift)
            s.Append(' ').Append(Badge($"drift: {e.Entry} is v{cell.Expected}", "failed"));
        if (cell.Unknown is { } why) s.Append(' ').Append(Badge(why, "alias"));
        if (e.Result == "failed") s.Append(' ').Append(Badge("last pass failed", "failed"));
        if (e.Rejected is { } rejected)
            s.Append(' ').Append(Badge($"v{rejected.Version} reverted: unhealthy", "failed"));
        if (e.SwitchedAt is { } at) s.Append($"<p class=\"desc\">switched {Time(at)}</p>");
        if (e.LastError is { } err) s.Append($"<p class=\"desc\">{E(FirstLine(err))}</p>");
        s.Append("</td>");
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
