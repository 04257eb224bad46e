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
    public static IReadOnlyList<RunRecord> ReadAll(string artifactsDir, ICollection<string> problems)
    {
        var dir = RunsDir(artifactsDir);
        if (!Directory.Exists(dir)) return [];
        var runs = new List<RunRecord>();
        foreach (var runDir in Directory.GetDirectories(dir))
        {
            var id = Path.GetFileName(runDir);
            if (!IsRunId(id)) continue;
            var entries = new List<JournalEntry>();
            foreach (var file in Directory.GetFiles(runDir, "*.json").Order(StringComparer.Ordinal))
            {
                try
                {
                    using var stream = File.OpenRead(file);
                    if (JsonSerializer.Deserialize<JournalEntry>(stream, RunStateStore.Json) is { } e) entries.Add(e);
                }
                catch (JsonException ex)
                {
                    problems.Add($"{file}: unreadable ({ex.Message}); left out of run {id}");
                }
            }
            if (entries.Count > 0) runs.Add(new RunRecord { RunId = id, Entries = entries.OrderBy(e => e.StartedAt).ToList() });
        }
        return runs.OrderByDescending(r => r.StartedAt).ToList();
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

    public DateTimeOffset StartedAt => Entries.Min(e => e.StartedAt);
    public DateTimeOffset FinishedAt => Entries.Max(e => e.FinishedAt);
    public bool Failed => Entries.Any(e => e.ExitCode != 0);
}
