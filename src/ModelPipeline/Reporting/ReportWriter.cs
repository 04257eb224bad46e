using System.Collections.Concurrent;
using System.Text;

namespace ModelPipeline.Reporting;

/// <summary>
/// Writes the static site: <c>index.html</c> (models), <c>models/&lt;name&gt;.html</c>, <c>runs.html</c>,
/// <c>runs/&lt;id&gt;.html</c> and <c>style.css</c>. The site is built in a new folder beside the
/// destination and moved into place at the end, so a reader sees the old site or the new, never half.
/// </summary>
public static class ReportWriter
{
    /// <summary>The file that marks a folder as a report this writer may replace.</summary>
    public const string Marker = ".modelpipe-report";

    public sealed record Written(string Directory, int ModelPages, int RunPages, int Charts);

    public static Written Write(ReportData data, string destination, CancellationToken ct)
    {
        destination = Path.GetFullPath(destination);
        var parent = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(destination)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(Path.Combine(staging, "models"));
            Directory.CreateDirectory(Path.Combine(staging, "runs"));
            Save(Path.Combine(staging, Marker), "written by modelpipe report; the whole folder is replaced by the next report\n");
            Save(Path.Combine(staging, "style.css"), Stylesheet.Css);
            Save(Path.Combine(staging, "index.html"), IndexPage.Render(data));
            Save(Path.Combine(staging, "runs.html"), RunPage.List(data));
            if (data.Fleet is { } fleet) Save(Path.Combine(staging, "fleet.html"), FleetPage.Render(fleet, data));
            var charts = new ConcurrentBag<int>();
            Parallel.ForEach(data.Models, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct }, m =>
            {
                Save(Path.Combine(staging, "models", m.Name + ".html"), ModelPage.Render(m, data));
                charts.Add(m.MetricNames.Count);
            });
            foreach (var run in data.Runs)
            {
                ct.ThrowIfCancellationRequested();
                Save(Path.Combine(staging, "runs", run.RunId + ".html"), RunPage.Render(run, data));
            }
            Replace(staging, destination);
            return new Written(destination, data.Models.Count, data.Runs.Count, charts.Sum());
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static void Save(string path, string text) => File.WriteAllText(path, text, new UTF8Encoding(false));

    /// <summary>Moves the new site into place; the old one is removed only after the new one is there.</summary>
    private static void Replace(string staging, string destination)
    {
        string? old = null;
        if (Directory.Exists(destination))
        {
            old = destination + $".old.{Environment.ProcessId}.{Guid.NewGuid():N}";
            Directory.Move(destination, old);
        }
        try
        {
            Directory.Move(staging, destination);
        }
        catch
        {
            if (old is not null) Directory.Move(old, destination);
            throw;
        }
        if (old is not null) Directory.Delete(old, recursive: true);
    }
}
