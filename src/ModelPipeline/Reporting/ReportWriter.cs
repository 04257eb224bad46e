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
            if (data.Kept.Count > 0)
                throw new InvalidOperationException("a new report has no pages to keep");
            Parallel.ForEach(data.Models, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct }, m =>
            {
                Save(Path.Combine(staging, "models", m.Name + ".html"), ModelPage.Render(m, data));
            });
            foreach (var run in data.Runs)
            {
                ct.ThrowIfCancellationRequested();
                Save(Path.Combine(staging, "runs", run.RunId + ".html"), RunPage.Render(run, data));
            }
            PageMemo.Write(staging, Memo(data, destination), data.Timeline);
            Replace(staging, destination);
            return new Written(destination, data.Models.Count, data.Runs.Count, data.Index.Sum(m => m.Charts),
                4 + (data.Fleet is null ? 0 : 1) + data.Models.Count + data.Runs.Count);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static void Save(string path, string text) => File.WriteAllText(path, text, new UTF8Encoding(false));

    /// <summary>A page of an updated report: how to draw it (null: keep it).</summary>
    private sealed record Page(Func<string>? Render);

    /// <summary>The memo of the drawn models whose inputs are known (<see cref="PageMemo"/>).</summary>
    private static IEnumerable<KeyValuePair<string, PageMemo.Entry>> Drawn(ReportData data, string destination) =>
        data.Models.Select(m => KeyValuePair.Create(m.Name,
            PageMemo.For(m, data.PageInputs.GetValueOrDefault(m.Name), destination)))
            .Where(e => e.Value is not null)!;

    /// <summary>The memo after this report: the kept models' entries as they were, the drawn models'
    /// new ones.</summary>
    private static IEnumerable<KeyValuePair<string, PageMemo.Entry>> Memo(ReportData data, string destination) =>
        Kept(data).Concat(Drawn(data, destination));

    private static IEnumerable<KeyValuePair<string, PageMemo.Entry>> Kept(ReportData data) =>
        data.Kept.Select(k => KeyValuePair.Create(k.Index.Name, k));

    /// <summary>Whether an existing report has the page of a run (it is then updated in place, not written anew).</summary>
    public static bool HasRunPage(string destination, string runId) =>
        File.Exists(Path.Combine(destination, Marker)) && File.Exists(Path.Combine(destination, "runs", runId + ".html"));

    /// <summary>Updates an existing report in place: only the pages whose bytes changed are written.</summary>
    private static Written Update(ReportData data, string destination, CancellationToken ct)
    {
        // A page without Render is kept as it is: a run drawn from the same journal (RunJournal.ReadAll), a model
        // whose inputs are as the memo says (PageMemo). The memo first forgets the models drawn now, so a report
        // killed while writing their pages leaves no memo entry that vouches for a page it did not write.
        PageMemo.Write(destination, Kept(data), data.Timeline);
        var pages = new Dictionary<string, Page>(StringComparer.Ordinal)
        {
            [Marker] = new(() => MarkerText),
            ["style.css"] = new(() => Stylesheet.Css),
            ["index.html"] = new(() => IndexPage.Render(data)),
            ["runs.html"] = new(() => RunPage.List(data)),
        };
        if (data.Fleet is { } fleet) pages["fleet.html"] = new(() => FleetPage.Render(fleet, data));
        foreach (var m in data.Models)
            pages[Path.Combine("models", m.Name + ".html")] = new(() => ModelPage.Render(m, data));
        foreach (var k in data.Kept)
            pages[Path.Combine("models", k.Index.Name + ".html")] = new(null);
        foreach (var run in data.Runs)
            pages[Path.Combine("runs", run.RunId + ".html")] =
                new(run.Summarized ? null : () => RunPage.Render(run, data));
        var rewritten = 0;
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct,
        };
        Parallel.ForEach(pages, options, page =>
            {
                if (page.Value.Render is not { } render) return;
                var path = Path.Combine(destination, page.Key);
                var bytes = new UTF8Encoding(false).GetBytes(render());
                var file = new FileInfo(path);
                if (!file.Exists || file.Length != bytes.Length || !File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    RunState.AtomicFile.WriteAllBytes(path, bytes);
                    Interlocked.Increment(ref rewritten);
                }
            });
        // Pages of models and runs no longer in the report (and fleet.html without a fleet) are removed.
        foreach (var file in Directory.EnumerateFiles(destination, "*.html", SearchOption.AllDirectories).ToList())
            if (!pages.ContainsKey(Path.GetRelativePath(destination, file))) File.Delete(file);
        PageMemo.Write(destination, Memo(data, destination), data.Timeline); // after the pages it describes
        return new Written(destination, data.Models.Count + data.Kept.Count, data.Runs.Count,
            data.Index.Sum(m => m.Charts), rewritten);
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
