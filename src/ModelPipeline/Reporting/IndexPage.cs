using System.Text;
using static ModelPipeline.Reporting.HtmlPage;

namespace ModelPipeline.Reporting;

/// <summary><c>index.html</c>: every model, with a search and filters that work from disk (a small inline script at the end of the page).</summary>
internal static class IndexPage
{
    /// <summary>Filters the rows by the search terms (free text, or owner:, alias:, tag:, name:) and the two selects.</summary>
    private const string Script = """
(function () {
  var q = document.getElementById('q'), owner = document.getElementById('owner'), alias = document.getElementById('alias');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#models tbody tr')), shown = document.getElementById('shown');
  function has(list, v) { return (' ' + list + ' ').indexOf(' ' + v + ' ') >= 0; }
  function prefix(list, v) { return (' ' + list).indexOf(' ' + v) >= 0; }
  function metric(list, v) {
    var m = /^([^<>=!]+)(>=|<=|!=|>|<|=)(-?[0-9.eE+-]+)$/.exec(v), x = Number(m ? m[3] : NaN);
    if (!m || isNaN(x)) return false;
    return list.split(' ').some(function (p) {
      var i = p.lastIndexOf('='), y = Number(p.slice(i + 1)), op = m[2];
      if (p.slice(0, i) !== m[1]) return false;
      return op === '>=' ? y >= x : op === '<=' ? y <= x : op === '>' ? y > x : op === '<' ? y < x : op === '!=' ? y !== x : y === x;
    });
  }
  function match(d, term) {
    var i = term.indexOf(':'), key = i > 0 ? term.slice(0, i) : '', v = i > 0 ? term.slice(i + 1) : term;
    if (key === 'owner') return d.owners.indexOf(v) >= 0;
    if (key === 'alias') return has(d.aliases, v);
    if (key === 'tag') return prefix(d.tags, v);
    if (key === 'metric') return metric(d.metrics, v);
    if (key === 'name') return d.name.indexOf(v) >= 0;
    return d.search.indexOf(term) >= 0 || d.tags.indexOf(term) >= 0;
  }
  function filter() {
    var terms = q.value.toLowerCase().split(/\s+/).filter(Boolean), o = owner.value, a = alias.value, count = 0;
    rows.forEach(function (r) {
      var d = r.dataset;
      var ok = (!o || has(d.owners, o)) && (!a || has(d.aliases, a)) && terms.every(function (t) { return match(d, t); });
      r.hidden = !ok;
      if (ok) count++;
    });
    shown.textContent = String(count);
  }
  q.addEventListener('input', filter);
  owner.addEventListener('change', filter);
  alias.addEventListener('change', filter);
  var given = new URLSearchParams(window.location.search).get('q');
  if (given) q.value = given;
  filter();
})();
""";

    /// <summary>What the index shows of a model: its row, and what the counts and filters add up.</summary>
    public static IndexEntry Entry(ModelReport m)
    {
        var row = new StringBuilder(1024);
        Row(row, m);
        return new IndexEntry
        {
            Name = m.Name, Owners = m.Owners, Aliases = [.. m.Aliases.Keys], Versions = m.Versions.Count,
            ArchivedHidden = m.ArchivedHidden, Charts = m.MetricNames.Count, Row = row.ToString(),
        };
    }

    public static string Render(ReportData data)
    {
        var models = data.Index;
        var s = new StringBuilder(4096 + models.Count * 700);
        s.Append("<h1>Models</h1>\n");
        s.Append($"<p>{models.Count} model(s), {models.Sum(m => m.Versions)} version(s). ")
            .Append($"Test and prod are read from {E(data.EnvironmentSource)}.");
        if (models.Sum(m => m.ArchivedHidden) is > 0 and var archived)
            s.Append($" {archived} archived version(s) hidden (<code>modelpipe report --archived</code> shows them).");
        if (data.Runs.Count > 0) s.Append($" Last run: <a href=\"runs/{E(data.Runs[0].RunId)}.html\">{E(data.Runs[0].RunId)}</a>.");
        s.Append("</p>\n");
        Problems(s, data);

        var owners = models.SelectMany(m => m.Owners).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var aliases = models.SelectMany(m => m.Aliases).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        s.Append("<div class=\"filters\" role=\"search\">\n");
        s.Append("<label for=\"q\">Search</label> <input id=\"q\" type=\"search\" placeholder=\"name, owner, alias, tag — or owner:x alias:prod tag:team=vision metric:accuracy>=0.9\" autocomplete=\"off\">\n");
        s.Append("<label for=\"owner\">Owner</label> <select id=\"owner\"><option value=\"\">any</option>");
        foreach (var o in owners) s.Append($"<option value=\"{E(o.ToLowerInvariant())}\">{E(o)}</option>");
        s.Append("</select>\n<label for=\"alias\">Alias</label> <select id=\"alias\"><option value=\"\">any</option>");
        foreach (var a in aliases) s.Append($"<option value=\"{E(a)}\">{E(a)}</option>");
        s.Append("</select>\n</div>\n");
        s.Append("<p class=\"count\" aria-live=\"polite\">")
            .Append($"<span id=\"shown\">{models.Count}</span> of {models.Count} shown</p>\n");

        s.Append("<div class=\"scroll\"><table id=\"models\">\n<caption class=\"visually-hidden\">Models in the zoo</caption>\n");
        s.Append("<thead><tr><th scope=\"col\">Model</th><th scope=\"col\">Owners</th><th scope=\"col\">Latest</th><th scope=\"col\">Test</th><th scope=\"col\">Prod</th><th scope=\"col\" class=\"num\">Size</th><th scope=\"col\">Last publish</th></tr></thead>\n<tbody>\n");
        foreach (var m in models) s.Append(m.Row);
        s.Append("</tbody>\n</table></div>\n");
        DeliverySection.Render(s, data);
        return HtmlPage.Render("Models", "", s.ToString(), data, Script);
    }

    private static void Row(StringBuilder s, ModelReport m)
    {
        var aliases = string.Join(' ', m.Aliases.Keys);
        var owners = string.Join(' ', m.Owners).ToLowerInvariant();
        var tags = string.Join(' ', m.Tags.Concat(m.KeyTags)).ToLowerInvariant();
        var metrics = m.LatestVersion is { } lv
            ? string.Join(' ', lv.Metrics.Select(p => $"{p.Key}={p.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}")).ToLowerInvariant()
            : "";
        var search = $"{m.Name} {m.Description} {owners} {aliases}".ToLowerInvariant();
        s.Append($"<tr data-name=\"{E(m.Name)}\" data-owners=\"{E(owners)}\" data-aliases=\"{E(aliases)}\" data-tags=\"{E(tags)}\" ");
        s.Append($"data-metrics=\"{E(metrics)}\" data-search=\"{E(search)}\">");
        s.Append($"<th scope=\"row\"><a href=\"models/{E(m.Name)}.html\">{E(m.Name)}</a><p class=\"desc\">{E(m.Description)}</p>");
        if (m.LatestVersion?.KeyTags is { Count: > 0 } keyTags)
            s.Append($"<p class=\"tags\">{string.Join(" ", keyTags.Select(t => Badge($"{t.Key}={t.Value}", "alias")))}</p>");
        s.Append("</th>");
        s.Append($"<td>{string.Join("<br>", m.Owners.Select(E))}</td>");
        s.Append($"<td>{Version(m, m.Latest)}</td><td>{Version(m, m.Test)}</td><td>{Version(m, m.Prod)}</td>");
        s.Append($"<td class=\"num\">{(m.LatestVersion is { } l ? Bytes(l.SizeBytes) : "—")}</td>");
        s.Append($"<td>{(m.LastPublished is { } t ? Time(t) : "—")}</td></tr>\n");
    }

    private static string Version(ModelReport m, int? v) => v is { } n
        ? $"<a href=\"models/{E(m.Name)}.html#v{n}\">v{n}</a>" + State(m.Versions.FirstOrDefault(x => x.Version == n)?.Lifecycle)
        : "—";

    /// <summary>A deprecated (warning) or yanked/archived (failed) badge, with the reason as its title.</summary>
    internal static string State(Zoo.Lifecycle.VersionStatus? status) => status is null ? ""
        : $" <span title=\"{E(status.Reason)}\">{Badge(status.State.ToString().ToLowerInvariant(), status.IsYanked ? "failed" : "warning")}</span>";

    internal static void Problems(StringBuilder s, ReportData data)
    {
        if (data.Problems.Count == 0) return;
        s.Append("<section class=\"notice\" aria-label=\"Problems\"><h2>Could not read</h2><ul>");
        foreach (var p in data.Problems) s.Append($"<li>{E(p)}</li>");
        s.Append("</ul></section>\n");
    }
}
