using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ModelPipeline.Models;

namespace ModelPipeline.Reporting;

/// <summary>
/// Chart SVGs by the sha256 of everything that draws them (this build of modelpipe, the metric, its points,
/// gate, test/prod versions and element ids): a model whose versions did not change is not drawn again,
/// which is most of the report in a Publish that changed little. Entries unused for 30 days are removed.
/// </summary>
public static class ChartCache
{
    private static readonly string Build = typeof(MetricChart).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    private static readonly TimeSpan Unused = TimeSpan.FromDays(30);

    /// <param name="dir">The cache folder; null draws every chart.</param>
    public static string Svg(string? dir, string metric, IReadOnlyList<(int Version, double Value)> points, MetricGate? gate, int? test, int? prod, string idPrefix)
    {
        if (dir is null) return MetricChart.Svg(metric, points, gate, test, prod, idPrefix);
        var path = Path.Combine(dir, Key(metric, points, gate, test, prod, idPrefix) + ".svg");
        try
        {
            if (File.Exists(path))
            {
                var cached = File.ReadAllText(path);
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow); // in use: kept by Prune
                return cached;
            }
        }
        catch (IOException)
        {
            // A cache entry that cannot be read is drawn again.
        }
        var svg = MetricChart.Svg(metric, points, gate, test, prod, idPrefix);
        try
        {
            Directory.CreateDirectory(dir);
            var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllText(temp, svg, new UTF8Encoding(false));
            File.Move(temp, path, overwrite: true);
        }
        catch (IOException)
        {
            // The cache only saves time; a full disk or a read-only folder still renders the report.
        }
        catch (UnauthorizedAccessException)
        {
        }
        return svg;
    }

    /// <summary>Removes entries no report has used for 30 days.</summary>
    public static void Prune(string? dir)
    {
        if (dir is null || !Directory.Exists(dir)) return;
        foreach (var file in new DirectoryInfo(dir).EnumerateFiles())
        {
            if (DateTime.UtcNow - file.LastWriteTimeUtc < Unused) continue;
            try
            {
                file.Delete();
            }
            catch (IOException)
            {
            }
        }
    }

    private static string Key(string metric, IReadOnlyList<(int Version, double Value)> points, MetricGate? gate, int? test, int? prod, string idPrefix)
    {
        var s = new StringBuilder($"chart/1\n{Build}\n{metric}\n{idPrefix}\n{test}\n{prod}\n{R(gate?.Min)}\n{R(gate?.Max)}\n");
        foreach (var (version, value) in points) s.Append(CultureInfo.InvariantCulture, $"{version}={R(value)}\n");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s.ToString())));
    }

    private static string R(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "-";
}
