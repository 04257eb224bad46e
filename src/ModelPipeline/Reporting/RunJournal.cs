using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModelPipeline.Errors;
using ModelPipeline.RunState;

namespace ModelPipeline.Reporting;

/// <summary>
/// The run journal: every <c>modelpipe</c> verb of one run (one <c>./build.sh</c> invocation, or a CI
/// pipeline that sets <c>MODELPIPE_RUN_ID</c> itself) records its rows under
/// <c>artifacts/runs/&lt;runId&gt;/&lt;time&gt;-&lt;verb&gt;-&lt;pid&gt;.json</c>, one file per verb, written
/// atomically and redacted. The report renders a run page from them.
/// </summary>
public static partial class RunJournal
{
    public const string RunIdVariable = "MODELPIPE_RUN_ID";

    /// <summary>The folder of all runs in an artifacts folder.</summary>
    public static string RunsDir(string artifactsDir) => Path.Combine(Path.GetFullPath(artifactsDir), "runs");

    /// <summary>The run id from <c>MODELPIPE_RUN_ID</c> (null when unset: a verb run by hand records nothing).</summary>
    public static string? CurrentRunId()
    {
        var id = Environment.GetEnvironmentVariable(RunIdVariable);
        if (string.IsNullOrEmpty(id)) return null;
        if (!RunIdPattern().IsMatch(id))
            throw new InvalidInputException($"{RunIdVariable}='{Redactor.Redact(id)}' is not a run id (1-100 letters, digits, '.', '_' or '-', starting with a letter or digit). Fix: set it to e.g. $GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT, or unset it.");
        return id;
    }

    public static bool IsRunId(string text) => RunIdPattern().IsMatch(text);

    /// <summary>Records one verb's rows for the run (a no-op without a run id).</summary>
    public static void Record(string artifactsDir, string? runId, JournalEntry entry)
    {
        if (runId is null) return;
        var stamp = entry.FinishedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture);
        var path = Path.Combine(RunsDir(artifactsDir), runId, $"{stamp}-{entry.Verb.Replace(' ', '-')}-{Environment.ProcessId}.json");
        AtomicFile.WriteAllText(path, Redactor.Redact(JsonSerializer.Serialize(entry with { RunId = runId }, RunStateStore.Json)));
    }

    /// <summary>Every recorded run, newest first; unreadable entry files are reported, not fatal.</summary>
    /// <param name="summaries">
    /// Where each run's summary (its verbs, times and exit codes, without rows) is kept with the journal files it was
    /// made from; null: every run is read whole. A run whose page is already rendered (<paramref name="rendered"/>)
    /// and whose journal files and <paramref name="context"/> are as the summary says is not read again: it comes
    /// back <see cref="RunRecord.Summarized"/>. A 1,000-model run journals about 10 MB, and every Publish adds one.
    /// </param>
    public static IReadOnlyList<RunRecord> ReadAll(string artifactsDir, ICollection<string> problems,
        string? summaries = null, Func<string, bool>? rendered = null, string context = "")
    {
        var dir = RunsDir(artifactsDir);
        if (!Directory.Exists(dir)) return [];
        var runs = new List<RunRecord>();
        foreach (var runDir in Directory.GetDirectories(dir))
        {
            var id = Path.GetFileName(runDir);
            if (!IsRunId(id)) continue;
            var files = Directory.GetFiles(runDir, "*.json").Order(StringComparer.Ordinal).ToList();
            var fingerprint = Fingerprint(files, context);
            var summaryPath = summaries is null ? null : Path.Combine(summaries, id + ".json");
            if (summaryPath is not null && rendered?.Invoke(id) == true && ReadSummary(summaryPath, fingerprint) is { } kept)
            {
                runs.Add(new RunRecord { RunId = id, Entries = kept, Summarized = true });
                continue;
            }
            var entries = new List<JournalEntry>();
            var unreadable = false;
            foreach (var file in files)
            {
                try
                {
                    if (JsonSerializer.Deserialize<JournalEntry>(File.ReadAllBytes(file), RunStateStore.Json) is { } e)
                        entries.Add(e);
                }
                catch (JsonException ex)
                {
                    unreadable = true;
                    problems.Add($"{file}: unreadable ({ex.Message}); left out of run {id}");
                }
            }
            if (entries.Count == 0) continue;
            var ordered = entries.OrderBy(e => e.StartedAt).ToList();
            runs.Add(new RunRecord { RunId = id, Entries = ordered });
            if (summaryPath is not null && !unreadable)
                AtomicFile.WriteAllText(summaryPath, JsonSerializer.Serialize(
                    new RunSummary(fingerprint, [.. ordered.Select(e => e with { Rows = [] })]), RunStateStore.Json));
        }
        if (summaries is not null && Directory.Exists(summaries))
            foreach (var stale in Directory.GetFiles(summaries, "*.json")
                         .Where(f => runs.All(r => r.RunId != Path.GetFileNameWithoutExtension(f))))
                File.Delete(stale);
        return runs.OrderByDescending(r => r.StartedAt).ToList();
    }

    private sealed record RunSummary(string Fingerprint, IReadOnlyList<JournalEntry> Entries);

    /// <summary>The journal files by name, length and write time, and what else the run's page shows.</summary>
    private static string Fingerprint(IEnumerable<string> files, string context)
    {
        var text = new System.Text.StringBuilder(context).Append('\n');
        foreach (var file in files)
        {
            var info = new FileInfo(file);
            text.Append(info.Name).Append(' ').Append(info.Length).Append(' ')
                .Append(info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return Digests.Sha256(text.ToString());
    }

    private static IReadOnlyList<JournalEntry>? ReadSummary(string path, string fingerprint)
    {
        try
        {
            var summary = File.Exists(path)
                ? JsonSerializer.Deserialize<RunSummary>(File.ReadAllBytes(path), RunStateStore.Json)
                : null;
            return summary?.Fingerprint == fingerprint && summary.Entries.Count > 0 ? summary.Entries : null;
        }
        catch (JsonException)
        {
            return null; // made again from the journal
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex RunIdPattern();
}

/// <summary>What one verb did in a run.</summary>
public sealed record JournalEntry
{
    public string RunId { get; init; } = "";

    /// <summary>The <c>modelpipe</c> verb (push, gitops, pr, ...).</summary>
    public required string Verb { get; init; }

    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public required int ExitCode { get; init; }
    public required IReadOnlyList<JournalRow> Rows { get; init; }
}

/// <summary>One row of a verb's summary (a model, an alias pin, a version).</summary>
public sealed record JournalRow
{
    public required string Model { get; init; }
    public required string Step { get; init; }

    /// <summary>ok, skipped, warning or failed.</summary>
    public required string Result { get; init; }

    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset FinishedAt { get; init; }
    public double DurationSeconds { get; init; }
    public string Detail { get; init; } = "";

    /// <summary>The step's record (zoo.json, gitops.json, pr.json, ...), as the verb's --json prints it.</summary>
    public JsonElement? Data { get; init; }
}

/// <summary>One run: its verbs in the order they started.</summary>
public sealed record RunRecord
{
    public required string RunId { get; init; }
    public required IReadOnlyList<JournalEntry> Entries { get; init; }

    /// <summary>Entries without their rows: the run's page is already rendered from the same journal.</summary>
    public bool Summarized { get; init; }

    public DateTimeOffset StartedAt => Entries.Min(e => e.StartedAt);
    public DateTimeOffset FinishedAt => Entries.Max(e => e.FinishedAt);
    public bool Failed => Entries.Any(e => e.ExitCode != 0);
}
