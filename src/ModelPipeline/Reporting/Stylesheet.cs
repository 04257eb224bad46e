namespace ModelPipeline.Reporting;

/// <summary><c>style.css</c>: system fonts only, WCAG AA contrast, phone width, print.</summary>
internal static class Stylesheet
{
    public const string Css = """
:root { --fg: #1b1b1f; --muted: #4a4f57; --bg: #ffffff; --line: #c9cdd3; --band: #f3f5f8; --link: #0b57a3;
  --ok: #1b6e2a; --ok-bg: #e3f3e6; --bad: #a4161a; --bad-bg: #fbe4e4; --warn: #7a4100; --warn-bg: #fdf0d9;
  --test: #8a4b00; --prod: #1b6e2a; --alias: #37474f; --gate: #b3261e; --series: #1f5fa8; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; color: var(--fg); background: var(--bg); line-height: 1.45; }
body { margin: 0 auto; max-width: 75rem; padding: 0 1rem 2rem; }
a { color: var(--link); }
a:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: .5rem; background: var(--bg); padding: .25rem .5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
header.site { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: baseline; justify-content: space-between; border-bottom: 1px solid var(--line); padding: .75rem 0; }
header.site nav a { font-weight: 600; margin-right: 1rem; }
header.site .source { margin: 0; color: var(--muted); font-size: .9rem; overflow-wrap: anywhere; }
footer { margin-top: 2rem; border-top: 1px solid var(--line); color: var(--muted); font-size: .85rem; }
h1 { font-size: 1.7rem; margin: 1rem 0 .25rem; } h2 { font-size: 1.3rem; margin-top: 2rem; } h3 { font-size: 1.1rem; display: inline; }
h4 { margin: 1rem 0 .25rem; } h5 { margin: .75rem 0 .25rem; font-size: .95rem; }
.lead { font-size: 1.05rem; margin-top: 0; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88em; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
thead th { background: var(--band); font-size: .9rem; }
.num { text-align: right; white-space: nowrap; }
#models .desc { margin: .15rem 0 0; font-weight: normal; color: var(--muted); font-size: .9rem; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; margin: 1rem 0 .25rem; }
.filters input { flex: 1 1 18rem; min-width: 12rem; }
.filters input, .filters select { font: inherit; padding: .35rem .5rem; border: 1px solid #6b7280; border-radius: 4px; }
.count { margin: .25rem 0; color: var(--muted); }
.badge { display: inline-block; padding: 0 .45rem; border-radius: .7rem; font-size: .8rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.badge.ok { color: var(--ok); background: var(--ok-bg); } .badge.failed { color: var(--bad); background: var(--bad-bg); }
.badge.warning { color: var(--warn); background: var(--warn-bg); } .badge.test { color: var(--test); } .badge.prod { color: var(--prod); }
.badge.alias, .badge.muted { color: var(--alias); }
dl.facts { display: flex; flex-wrap: wrap; gap: .5rem 2rem; margin: .75rem 0; }
dl { margin: .25rem 0; } dl div { margin: .15rem 0; } dt { font-weight: 600; font-size: .85rem; color: var(--muted); } dd { margin: 0; }
.lineage dl div { display: grid; grid-template-columns: 10rem 1fr; gap: .5rem; } .lineage dt { font-size: .9rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 30rem), 1fr)); gap: 0 1rem; }
figure.chart { margin: .5rem 0 1rem; padding: .5rem; border: 1px solid var(--line); border-radius: 6px; }
svg.chart { width: 100%; height: auto; max-width: 640px; display: block; }
.legend { font-size: .9rem; color: var(--muted); }
.key { display: inline-block; width: 1.4rem; height: 0; vertical-align: middle; margin: 0 .25rem 0 .75rem; border-top: 3px solid; }
.key.series { border-color: var(--series); } .key.gate { border-top-style: dashed; border-color: var(--gate); }
.key.test { border-top-style: dotted; border-color: var(--test); } .key.prod { border-color: var(--prod); }
details.version { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; margin: .75rem 0; }
details.version > summary { cursor: pointer; }
.lineage { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: 0 2rem; }
.notice { border-left: 4px solid var(--warn); background: var(--warn-bg); padding: .25rem 1rem; }
.bar { display: block; width: 100%; min-width: 8rem; height: .8rem; background: var(--band); }
.bar span { display: block; height: 100%; background: var(--series); }
tr.target th, tr.target td { background: var(--band); font-weight: 600; }
th.model { padding-left: 1.5rem; font-weight: normal; }
@media (max-width: 40rem) {
  body { padding: 0 .5rem 1rem; } h1 { font-size: 1.4rem; }
  .lineage dl div { grid-template-columns: 1fr; gap: 0; }
  #models thead { display: none; } #models tr { display: block; border-bottom: 1px solid var(--line); padding: .5rem 0; }
  #models th, #models td { display: inline-block; border: 0; padding: .1rem .5rem .1rem 0; }
  #models th { display: block; }
}
@media print {
  header.site nav, .filters, .count, .skip { display: none; }
  body { max-width: none; } a { color: inherit; text-decoration: none; }
  details.version { break-inside: avoid; } figure.chart { break-inside: avoid; }
  .scroll { overflow: visible; }
}
""";
}
