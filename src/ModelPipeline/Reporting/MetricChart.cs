using System.Globalization;
using System.Text.RegularExpressions;
using ModelPipeline.Models;
using ScottPlot;

namespace ModelPipeline.Reporting;

/// <summary>
/// One metric across a model's versions as an SVG drawn by ScottPlot at build time: one marker per
/// version that reported the metric, the gates as dashed horizontal lines, the versions in test and
/// prod as labelled vertical lines. No script draws anything at view time.
/// </summary>
public static partial class MetricChart
{
    public const int Width = 640;
    public const int Height = 260;

    private static readonly Color Series = Color.FromHex("#1f5fa8");
    private static readonly Color Gate = Color.FromHex("#b3261e");
    private static readonly Color TestLine = Color.FromHex("#8a4b00");
    private static readonly Color ProdLine = Color.FromHex("#1b6e2a");

    /// <param name="points">(version, value) in ascending version order.</param>
    /// <param name="idPrefix">Makes the SVG's element ids unique within the page it is inlined in.</param>
    public static string Svg(string metric, IReadOnlyList<(int Version, double Value)> points, MetricGate? gate, int? test, int? prod, string idPrefix)
    {
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        var xs = points.Select(p => (double)p.Version).ToArray();
        var ys = points.Select(p => p.Value).ToArray();
        var scatter = plot.Add.Scatter(xs, ys);
        scatter.Color = Series;
        scatter.LineWidth = 2;
        scatter.MarkerSize = 7;
        if (gate?.Min is { } min) GateLine(plot, min, $"min {Format(min)}");
        if (gate?.Max is { } max) GateLine(plot, max, $"max {Format(max)}");
        if (test is { } t) EnvironmentLine(plot, t, "test", TestLine, LinePattern.Dotted);
        if (prod is { } p) EnvironmentLine(plot, p, "prod", ProdLine, LinePattern.Solid);

        // Version ticks: every version when few, else a readable subset.
        var first = points.Count == 0 ? 1 : points[0].Version;
        var last = points.Count == 0 ? 1 : points[^1].Version;
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        var step = Math.Max(1, (int)Math.Ceiling((last - first + 1) / 12.0));
        for (var v = first; v <= last; v += step) ticks.AddMajor(v, $"v{v}");
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.Left.Label.Text = metric;
        plot.Axes.Bottom.Label.Text = "version";
        plot.Axes.SetLimitsX(first - 0.5, last + 0.5);
        var values = ys.Concat(new[] { gate?.Min, gate?.Max }.OfType<double>()).ToList();
        if (values.Count > 0)
        {
            var (lo, hi) = (values.Min(), values.Max());
            var pad = hi > lo ? (hi - lo) * 0.12 : Math.Max(Math.Abs(hi) * 0.05, 0.01);
            plot.Axes.SetLimitsY(lo - pad, hi + pad);
        }
        // Fixed margins: room for the tick labels (left, bottom) and the line labels (right, top).
        plot.Layout.Fixed(new PixelPadding(78, 30, 48, 26));
        var svg = plot.GetSvgXml(Width, Height);
        return Inline(svg, idPrefix, $"{metric} across versions v{first} to v{last}");
    }

    private static void GateLine(Plot plot, double y, string label)
    {
        var line = plot.Add.HorizontalLine(y);
        line.Color = Gate;
        line.LinePattern = LinePattern.Dashed;
        line.LineWidth = 1.5f;
        line.LabelText = label;
        line.LabelOppositeAxis = true; // on the right: the values' ticks stay readable
    }

    private static void EnvironmentLine(Plot plot, int version, string label, Color color, LinePattern pattern)
    {
        var line = plot.Add.VerticalLine(version);
        line.Color = color;
        line.LinePattern = pattern;
        line.LineWidth = 1.5f;
        line.LabelText = label;
        line.LabelOppositeAxis = true; // on top: the version ticks stay readable
    }

    private static string Format(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>Ready to inline in HTML: no XML declaration, ids unique on the page, scalable, labelled.</summary>
    private static string Inline(string svg, string idPrefix, string label)
    {
        svg = XmlDeclaration().Replace(svg, "");
        // ScottPlot numbers its clip paths with a counter of the whole process: numbered again here in the order they
        // appear, a chart's bytes depend on its inputs only, not on how many charts were drawn before it.
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        string Id(string id) => ids.TryGetValue(id, out var n) ? n : ids[id] = $"{idPrefix}-{ids.Count}";
        svg = IdAttribute().Replace(svg, m => $"id=\"{Id(m.Groups[1].Value)}\"");
        svg = IdReference().Replace(svg, m => $"url(#{Id(m.Groups[1].Value)})");
        svg = svg.Replace("font-family=\"DejaVu Sans\"", "font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\"", StringComparison.Ordinal);
        var open = svg.IndexOf("<svg", StringComparison.Ordinal);
        var close = svg.IndexOf('>', open);
        var attributes = SvgSize().Replace(svg[(open + 4)..close], "");
        return $"<svg role=\"img\" aria-label=\"{HtmlPage.E(label)}\" viewBox=\"0 0 {Width} {Height}\" class=\"chart\"{attributes}{svg[close..]}";
    }

    [GeneratedRegex(@"<\?xml[^>]*\?>\s*")]
    private static partial Regex XmlDeclaration();

    [GeneratedRegex("id=\"([^\"]+)\"")]
    private static partial Regex IdAttribute();

    [GeneratedRegex(@"url\(#([^)]+)\)")]
    private static partial Regex IdReference();

    [GeneratedRegex(" (width|height)=\"[0-9.]+\"")]
    private static partial Regex SvgSize();
}
