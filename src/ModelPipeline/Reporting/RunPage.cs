using System.Globalization;
using System.Text;
using System.Text.Json;
using static ModelPipeline.Reporting.HtmlPage;

namespace ModelPipeline.Reporting;

/// <summary><c>runs/&lt;id&gt;.html</c>: a run's timeline of targets and models, warnings, and what changed; <c>runs.html</c> lists the runs.</summary>
internal static class RunPage
{
    /// <summary>The Cake target that runs each verb (the same names as <c>./build.sh</c>).</summary>
    private static readonly Dictionary<string, string> Targets = new(StringComparer.Ordinal)
    {
        ["check"] = "Check", ["fetch"] = "Fetch", ["train"] = "Train", ["validate"] = "Validate",
        ["package"] = "PackageModelCar", ["serve-check"] = "ServeCheck", ["push"] = "PushMirrors", ["gitops"] = "UpdateGitOps",
        ["pr"] = "OpenPr", ["promote"] = "Promote", ["sync-aliases"] = "SyncAliases", ["pr merge"] = "MergePr",
    };

    public static string Target(string verb) => Targets.GetValueOrDefault(verb, verb);

    public static string List(ReportData data)
    {
        var s = new StringBuilder();
        s.Append("<h1>Runs</h1>\n");
        if (data.Runs.Count == 0)
        {
            s.Append("<p>No run is recorded in this workspace. <code>./build.sh Publish</code> records one (<code>artifacts/runs/</code>).</p>\n");
            return HtmlPage.Render("Runs", "", s.ToString(), data);
        }
        s.Append("<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Run</th><th scope=\"col\">Started</th><th scope=\"col\" class=\"num\">Duration</th><th scope=\"col\">Result</th><th scope=\"col\">Targets</th></tr></thead><tbody>\n");
        foreach (var r in data.Runs)
            s.Append($"<tr><th scope=\"row\"><a href=\"runs/{E(r.RunId)}.html\">{E(r.RunId)}</a></th><td>{Time(r.StartedAt)}</td><td class=\"num\">{Seconds((r.FinishedAt - r.StartedAt).TotalSeconds)}</td><td>{(r.Failed ? Badge("failed", "failed") : Badge("ok", "ok"))}</td><td>{E(string.Join(" → ", r.Entries.Select(e => Target(e.Verb))))}</td></tr>\n");
        s.Append("</tbody></table></div>\n");
        return HtmlPage.Render("Runs", "", s.ToString(), data);
    }

    public static string Render(RunRecord run, ReportData data)
    {
        var s = new StringBuilder(8192);
        var total = Math.Max(0.001, (run.FinishedAt - run.StartedAt).TotalSeconds);
        s.Append($"<h1>Run <code>{E(run.RunId)}</code></h1>\n");
        s.Append($"<p>{(run.Failed ? Badge("failed", "failed") : Badge("ok", "ok"))} started {Time(run.StartedAt)}, took {Seconds(total)}; {run.Entries.Count} target(s), {run.Entries.Sum(e => e.Rows.Count)} step(s).</p>\n");

        s.Append("<section aria-labelledby=\"timeline\"><h2 id=\"timeline\">Timeline</h2>\n<div class=\"scroll\"><table class=\"timeline\">\n");
        s.Append("<thead><tr><th scope=\"col\">Target / model</th><th scope=\"col\">Result</th><th scope=\"col\" class=\"num\">Duration</th><th scope=\"col\" class=\"bar-col\">When</th><th scope=\"col\">Detail</th></tr></thead>\n");
        foreach (var e in run.Entries)
        {
            s.Append($"<tbody><tr class=\"target\"><th scope=\"rowgroup\">{E(Target(e.Verb))} <span class=\"muted\">(modelpipe {E(e.Verb)})</span></th><td>{Result(e.ExitCode == 0 ? "ok" : "failed")}</td>");
            s.Append($"<td class=\"num\">{Seconds((e.FinishedAt - e.StartedAt).TotalSeconds)}</td><td>{Bar(run, e.StartedAt, e.FinishedAt, total)}</td><td>{(e.ExitCode == 0 ? "" : $"exit code {e.ExitCode}")}</td></tr>\n");
            foreach (var r in e.Rows)
                s.Append($"<tr><th scope=\"row\" class=\"model\">{ModelLink(r.Model, data)}</th><td>{Result(r.Result)}</td><td class=\"num\">{Seconds(r.DurationSeconds)}</td><td>{Bar(run, r.StartedAt, r.FinishedAt, total)}</td><td>{E(r.Detail)}</td></tr>\n");
            s.Append("</tbody>\n");
        }
        s.Append("</table></div>\n</section>\n");

        Warnings(s, run, data);
        Changes(s, run, data);
        return HtmlPage.Render($"Run {run.RunId}", "../", s.ToString(), data, stamped: false);
    }

    private static string Result(string result) => Badge(result, result switch { "ok" => "ok", "failed" => "failed", "warning" => "warning", _ => "muted" });

    private static string ModelLink(string model, ReportData data) =>
        data.HasModel(model) ? $"<a href=\"../models/{E(model)}.html\">{E(model)}</a>" : E(model);

    /// <summary>A bar placed on the run's time axis (the text columns carry the same information).</summary>
    private static string Bar(RunRecord run, DateTimeOffset start, DateTimeOffset end, double total)
    {
        // At least 0.5% wide so a short step stays visible, even the last one of the run (left near 100%).
        var left = Math.Clamp((start - run.StartedAt).TotalSeconds / total * 100, 0, 99.5);
        var width = Math.Clamp((end - start).TotalSeconds / total * 100, 0.5, 100 - left);
        return $"<span class=\"bar\" aria-hidden=\"true\"><span style=\"margin-left:{left.ToString("0.##", CultureInfo.InvariantCulture)}%;width:{width.ToString("0.##", CultureInfo.InvariantCulture)}%\"></span></span>";
    }

    private static void Warnings(StringBuilder s, RunRecord run, ReportData data)
    {
        var items = new List<string>();
        foreach (var e in run.Entries)
            foreach (var r in e.Rows)
            {
                if (r.Result is "warning" or "failed") items.Add($"{Result(r.Result)} {E(Target(e.Verb))} {ModelLink(r.Model, data)}: {E(r.Detail)}");
                if (r.Data is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty("warnings", out var w) && w.ValueKind == JsonValueKind.Array)
                    foreach (var text in w.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String))
                        items.Add($"{Result("warning")} {E(Target(e.Verb))} {ModelLink(r.Model, data)}: {E(text.GetString())}");
            }
        s.Append("<section aria-labelledby=\"warnings\"><h2 id=\"warnings\">Warnings and failures</h2>\n");
        s.Append(items.Count == 0 ? "<p>None.</p>\n" : "<ul>" + string.Concat(items.Select(i => $"<li>{i}</li>")) + "</ul>\n");
        s.Append("</section>\n");
    }

    private static void Changes(StringBuilder s, RunRecord run, ReportData data)
    {
        var published = new List<string>();
        var commits = new List<string>();
        var requests = new List<string>();
        var aliases = new List<string>();
        foreach (var (e, r) in run.Entries.SelectMany(e => e.Rows.Select(r => (e, r))))
        {
            if (r.Data is not { ValueKind: JsonValueKind.Object } d) continue;
            var model = ModelLink(r.Model, data);
            switch (e.Verb)
            {
                case "push" when Int(d, "version") is { } v:
                    published.Add(Bool(d, "alreadyPublished")
                        ? $"{model} v{v} <span class=\"muted\">(already published; no commit)</span>"
                        : $"{model} <a href=\"../models/{E(r.Model)}.html#v{v}\">v{v}</a> {Digest(Str(d, "digest"))}, zoo commit <code>{E(Short(Str(d, "commit")))}</code>");
                    break;
                case "gitops" when Bool(d, "changed") || Bool(d, "aliasChanged"):
                    commits.Add($"{model}: <code>{E(Str(d, "path"))}</code> → v{Int(d, "version")} {Digest(Str(d, "digest"))}" + (Str(d, "commit") is { } c ? $", commit <code>{E(Short(c))}</code>" : "") + (Bool(d, "aliasChanged") ? "; zoo alias test moved" : ""));
                    break;
                case "pr" or "promote":
                    if (Str(d, "action") is { } action && action is not ("nothing-to-do" or "pin-unchanged"))
                        requests.Add($"{model} v{Int(d, "version")}: {E(action)} {E(Str(d, "forge"))} {(Int(d, "number") is { } n ? $"#{n} " : "")}{Link(Str(d, "url"), Str(d, "url") ?? Str(d, "branch"))}");
                    if (d.TryGetProperty("superseded", out var closed) && closed.ValueKind == JsonValueKind.Array)
                        foreach (var pr in closed.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object))
                            requests.Add($"{model} v{Int(pr, "version")}: closed {(Int(pr, "number") is { } n ? $"#{n} " : "")}{Link(Str(pr, "url"), Str(pr, "url") ?? Str(pr, "branch"))} <span class=\"muted\">(superseded by v{Int(d, "version")})</span>");
                    break;
                case "sync-aliases" when Bool(d, "changed"):
                    aliases.Add($"{model}: alias {E(Str(d, "alias"))} → v{Int(d, "version")}");
                    break;
            }
        }
        s.Append("<section aria-labelledby=\"changes\"><h2 id=\"changes\">What changed</h2>\n");
        List(s, "Versions published", published);
        List(s, "GitOps commits", commits);
        List(s, "Pull / merge requests", requests);
        if (aliases.Count > 0) List(s, "Zoo aliases", aliases);
        s.Append("</section>\n");
    }

    private static void List(StringBuilder s, string title, List<string> items)
    {
        s.Append($"<h3>{E(title)}</h3>\n");
        s.Append(items.Count == 0 ? "<p class=\"muted\">None.</p>\n" : "<ul>" + string.Concat(items.Select(i => $"<li>{i}</li>")) + "</ul>\n");
    }

    private static string Short(string? commit) => commit is null ? "" : commit[..Math.Min(12, commit.Length)];

    private static string? Str(JsonElement d, string name) => d.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement d, string name) => d.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    private static bool Bool(JsonElement d, string name) => d.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
}
