using ModelPipeline.Reporting;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Reporting;

/// <summary>A past run whose page is drawn is not read again: its summary is kept with its journal files' stamps.</summary>
public sealed class RunSummaryTests
{
    private static string Stamp(string path)
    {
        var (code, output) = Tools.Run("stat", "-c", "%i %.9Y", path);
        Assert.Equal(0, code);
        return output.Trim();
    }

    [Fact]
    public void A_drawn_run_is_kept_from_its_summary_until_its_journal_or_the_site_changes()
    {
        using var world = new TestWorld();
        var artifacts = Path.Combine(world.Root, "artifacts");
        var summaries = Path.Combine(world.Root, "cache", "report-runs");
        var site = Path.Combine(world.Root, "site");
        var zoo = Path.Combine(world.Root, "zoo");
        GeneratedZoo.Write(zoo, ReportRenderingTests.Zoo());
        var models = new ReportLoader(zoo).Load(null, []);
        var run = RunJournalTests.PublishRun();
        foreach (var entry in run.Entries) RunJournal.Record(artifacts, run.RunId, entry);
        var page = Path.Combine(site, "runs", run.RunId + ".html");

        IReadOnlyList<RunRecord> Read(List<string> problems, string context = "site") =>
            RunJournal.ReadAll(artifacts, problems, summaries, id => ReportWriter.HasRunPage(site, id), context);
        void Draw(IReadOnlyList<RunRecord> runs) => ReportWriter.Write(
            new ReportData { ZooSource = "z", GeneratedAt = DateTimeOffset.UtcNow, Models = models, Runs = runs },
            site, CancellationToken.None);

        var problems = new List<string>();
        var first = Read(problems);
        Assert.False(first.Single().Summarized);
        Draw(first);
        var drawn = Stamp(page);

        // Every journal file replaced by bytes that are not JSON, same length and time: the run is not read again.
        var files = Directory.GetFiles(Path.Combine(artifacts, "runs", run.RunId));
        var originals = files.ToDictionary(f => f, f => (Bytes: File.ReadAllBytes(f), Time: File.GetLastWriteTimeUtc(f)));
        foreach (var (file, original) in originals)
        {
            File.WriteAllBytes(file, Enumerable.Repeat((byte)'x', original.Bytes.Length).ToArray());
            File.SetLastWriteTimeUtc(file, original.Time);
        }
        var kept = Read(problems);
        Assert.Empty(problems);
        var summarized = kept.Single();
        Assert.True(summarized.Summarized);
        Assert.Equal(run.Entries.Select(e => e.Verb), summarized.Entries.Select(e => e.Verb));
        Assert.All(summarized.Entries, e => Assert.Empty(e.Rows));
        Assert.True(summarized.Failed); // the OpenPr entry's exit code 1, from the summary
        Draw(kept);
        Assert.Equal(drawn, Stamp(page));
        Assert.Contains(run.RunId, File.ReadAllText(Path.Combine(site, "runs.html")), StringComparison.Ordinal);

        // Another site (a model more or less, another zoo): the run is read again, and then its garbage is found.
        Read(problems, "another site");
        Assert.Equal(files.Length, problems.Count);
        problems.Clear();

        // The journal as it was, and one more entry (the run's own Report): read again and drawn again.
        foreach (var (file, original) in originals)
        {
            File.WriteAllBytes(file, original.Bytes);
            File.SetLastWriteTimeUtc(file, original.Time);
        }
        RunJournal.Record(artifacts, run.RunId, new JournalEntry
        {
            Verb = "report", StartedAt = run.FinishedAt, FinishedAt = run.FinishedAt.AddSeconds(1), ExitCode = 0, Rows = [],
        });
        var grown = Read(problems);
        Assert.Empty(problems);
        Assert.False(grown.Single().Summarized);
        Assert.Equal(run.Entries.Count + 1, grown.Single().Entries.Count);
        Draw(grown);
        Assert.NotEqual(drawn, Stamp(page));
        Assert.Contains($"{run.Entries.Count + 1} target(s)", File.ReadAllText(page), StringComparison.Ordinal);
    }
}
