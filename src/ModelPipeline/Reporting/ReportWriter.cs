using System.Collections.Concurrent;
using System.Text;

namespace ModelPipeline.Reporting;

/// <summary>
/// Writes the static site: <c>index.html</c> (models), <c>models/&lt;name&gt;.html</c>, <c>runs.html</c>,
/// <c>runs/&lt;id&gt;.html</c> and <c>style.css</c>. A new site is built in a folder beside the destination
/// and moved into place at the end, so a reader sees no site or the whole one. An existing report is
/// updated in place, page by page: a page whose bytes are unchanged is not written (its file, time stamp
/// and inode stay), a changed one is replaced atomically (temp file, rename), a page of a model or run
/// that is gone is removed. Only the index, the run list and the fleet page name the zoo commit and time.
/// </summary>
public static class ReportWriter
{
    /// <summary>The file that marks a folder as a report this writer may replace.</summary>
    public const string Marker = ".modelpipe-report";

    private const string MarkerText = "written by modelpipe report; the next report updates or replaces this folder\n";

    /// <param name="Rewritten">The pages (and files) written: every one for a new site, the changed ones for an
    /// update.</param>
    public sealed record Written(string Directory, int ModelPages, int RunPages, int Charts, int Rewritten = 0);

    public static Written Write(ReportData data, string destination, CancellationToken ct)
    {
        destination = Path.GetFullPath(destination);
        if (File.Exists(Path.Combine(destination, Marker))) return Update(data, destination, ct);
        var parent = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(destination)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(Path.Combine(staging, "models"));
            Directory.CreateDirectory(Path.Combine(staging, "runs"));
            Save(Path.Combine(staging, Marker), MarkerText);
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
            return new Written(destination, data.Models.Count, data.Runs.Count, charts.Sum(),
                4 + (data.Fleet is null ? 0 : 1) + data.Models.Count + data.Runs.Count);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static void Save(string path, string text) => File.WriteAllText(path, text, new UTF8Encoding(false));

    /// <summary>A page of an updated report: how to draw it (null: keep it), and the sha256 of its inputs.</summary>
    private sealed record Page(Func<string>? Render, Func<string?>? Inputs = null);

    /// <summary>Whether an existing report has the page of a run (it is then updated in place, not written anew).</summary>
    public static bool HasRunPage(string destination, string runId) =>
        File.Exists(Path.Combine(destination, Marker)) && File.Exists(Path.Combine(destination, "runs", runId + ".html"));

    /// <summary>Updates an existing report in place: only the pages whose bytes changed are written.</summary>
    private static Written Update(ReportData data, string destination, CancellationToken ct)
    {
        // A page without Render is kept as it is: a run drawn from the same journal (RunJournal.ReadAll).
        // A model page whose Inputs are as when it was last drawn here is not drawn again (1,000 pages, each reading
        // its charts): the inputs' sha256 is kept per destination and page beside the chart cache.
        var pages = new Dictionary<string, Page>(StringComparer.Ordinal)
        {
            [Marker] = new(() => MarkerText),
            ["style.css"] = new(() => Stylesheet.Css),
            ["index.html"] = new(() => IndexPage.Render(data)),
            ["runs.html"] = new(() => RunPage.List(data)),
        };
        if (data.Fleet is { } fleet) pages["fleet.html"] = new(() => FleetPage.Render(fleet, data));
        foreach (var m in data.Models)
            pages[Path.Combine("models", m.Name + ".html")] =
                new(() => ModelPage.Render(m, data), () => ModelPage.Inputs(m, data));
        foreach (var run in data.Runs)
            pages[Path.Combine("runs", run.RunId + ".html")] =
                new(run.Summarized ? null : () => RunPage.Render(run, data));
        var drawnFrom = data.ChartCacheDir is null ? null
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(data.ChartCacheDir))!, "report-pages",
                RunState.Digests.Sha256(Path.GetFullPath(destination))[..16]);
        var rewritten = 0;
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct,
        };
        Parallel.ForEach(pages, options, page =>
            {
                if (page.Value.Render is not { } render) return;
                var path = Path.Combine(destination, page.Key);
                var from = drawnFrom is null ? null : page.Value.Inputs?.Invoke();
                var stamp = from is null ? null : Path.Combine(drawnFrom!, RunState.Digests.Sha256(page.Key)[..32]);
                if (stamp is not null && File.Exists(path) && File.Exists(stamp) && File.ReadAllText(stamp) == from) return;
                var bytes = new UTF8Encoding(false).GetBytes(render());
                var file = new FileInfo(path);
                if (!file.Exists || file.Length != bytes.Length || !File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    RunState.AtomicFile.WriteAllBytes(path, bytes);
                    Interlocked.Increment(ref rewritten);
                }
                if (stamp is not null) RunState.AtomicFile.WriteAllText(stamp, from!); // after the page it describes
            });
        // Pages of models and runs no longer in the report (and fleet.html without a fleet) are removed.
        foreach (var file in Directory.EnumerateFiles(destination, "*.html", SearchOption.AllDirectories).ToList())
            if (!pages.ContainsKey(Path.GetRelativePath(destination, file))) File.Delete(file);
        return new Written(destination, data.Models.Count, data.Runs.Count, data.Models.Sum(m => m.MetricNames.Count),
            rewritten);
    }

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
