using ModelPipeline.Errors;
using ModelPipeline.Progress;

namespace ModelPipeline.Cli.Output;

/// <summary>
/// Renders library progress and results. One subclass per place output goes:
/// an interactive terminal, GitHub Actions, GitLab CI, or a plain log.
/// Everything written passes through <see cref="Redactor"/>.
/// </summary>
public abstract class ConsoleOutput : IPipelineReporter
{
    protected ConsoleOutput(TextWriter writer) => Writer = writer;

    protected TextWriter Writer { get; }

    public static ConsoleOutput Create(bool json)
    {
        // With --json, stdout carries only the JSON document; human output goes to stderr.
        var writer = json ? Console.Error : Console.Out;
        if (Environment.GetEnvironmentVariable("GITHUB_ACTIONS") == "true") return new GitHubActionsOutput(writer);
        if (Environment.GetEnvironmentVariable("GITLAB_CI") == "true") return new GitLabOutput(writer);
        var redirected = json ? Console.IsErrorRedirected : Console.IsOutputRedirected;
        return redirected || Environment.GetEnvironmentVariable("CI") is not null
            ? new PlainOutput(writer)
            : new TerminalOutput(writer);
    }

    /// <summary>The same kind of output writing to <paramref name="writer"/> (one model's buffer in a parallel run).</summary>
    public abstract ConsoleOutput WithWriter(TextWriter writer);

    /// <summary>Writes text that was already rendered and redacted (a flushed buffer) as it is.</summary>
    public void WriteRendered(string text)
    {
        lock (Writer) Writer.Write(text);
    }

    /// <summary>Tells the CI runner about secret values (GitHub Actions masks them in its log).</summary>
    public virtual void MaskSecrets(IReadOnlyList<string> values) { }

    public abstract void BeginSection(string title);

    public abstract void EndSection(string title);

    public virtual void Info(string? model, string message) => Line($"{Prefix(model)}{message}");

    public virtual void Warning(string? model, string message) => Line($"{Prefix(model)}warning: {message}");

    public virtual void Error(string? model, string message) => Line($"{Prefix(model)}error: {message}");

    public virtual void Output(string? model, string line) => Line($"{Prefix(model)}| {line}");

    public virtual ITransferProgress StartTransfer(string? model, string description, long? totalBytes) =>
        new LineTransferProgress(this, $"{Prefix(model)}{description}", totalBytes);

    public virtual void Summary(IReadOnlyList<StepResult> results)
    {
        if (results.Count == 0) return;
        var rows = results.Select(r => new[] { r.Model, r.Step, r.Result, $"{r.DurationSeconds:F1}s", r.Detail }).ToList();
        string[] header = ["model", "step", "result", "duration", "detail"];
        var widths = header.Select((h, i) => Math.Min(60, Math.Max(h.Length, rows.Max(r => r[i].Length)))).ToArray();
        Line("");
        Line(string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var row in rows) Line(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
    }

    protected static string Prefix(string? model) => model is null ? "" : $"[{model}] ";

    public void Line(string text)
    {
        lock (Writer) Writer.WriteLine(Redactor.Redact(text));
    }

    /// <summary>A byte counter that writes a line at each quarter (logs must not fill up with progress).</summary>
    private sealed class LineTransferProgress(ConsoleOutput output, string label, long? total) : ITransferProgress
    {
        private long _done;
        private int _quarter;

        public void Advance(long bytes)
        {
            _done += bytes;
            if (total is not > 0) return;
            var quarter = (int)(_done * 4 / total.Value);
            if (quarter > _quarter && quarter < 4)
            {
                _quarter = quarter;
                output.Line($"{label}: {quarter * 25}% ({Bytes.Format(_done)} of {Bytes.Format(total.Value)})");
            }
        }

        public void Dispose() => output.Line($"{label}: done, {Bytes.Format(_done)}");
    }
}

public static class Bytes
{
    public static string Format(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:F1} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / 1024.0 / 1024:F1} MiB",
        _ => $"{bytes / 1024.0 / 1024 / 1024:F2} GiB",
    };
}
