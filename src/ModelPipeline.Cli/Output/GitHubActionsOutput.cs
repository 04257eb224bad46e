namespace ModelPipeline.Cli.Output;

/// <summary>
/// GitHub Actions workflow commands: <c>::group::</c> sections, <c>::error::</c>/<c>::warning::</c>
/// annotations, and the summary table appended to the job summary (<c>$GITHUB_STEP_SUMMARY</c>).
/// </summary>
public sealed class GitHubActionsOutput(TextWriter writer) : ConsoleOutput(writer)
{
    public override ConsoleOutput WithWriter(TextWriter writer) => new GitHubActionsOutput(writer);

    public override void MaskSecrets(IReadOnlyList<string> values)
    {
        // Written directly: Line() would redact the very value the runner needs to learn.
        lock (Writer)
            foreach (var value in values.SelectMany(v => v.Split('\n')).Where(v => v.Length > 0))
                Writer.WriteLine($"::add-mask::{value}");
    }

    public override void BeginSection(string title) => Line($"::group::{title}");

    public override void EndSection(string title) => Line("::endgroup::");

    public override void Warning(string? model, string message) => Line($"::warning title={model ?? "modelpipe"}::{Escape(message)}");

    public override void Error(string? model, string message) => Line($"::error title={model ?? "modelpipe"}::{Escape(message)}");

    public override void Summary(IReadOnlyList<StepResult> results)
    {
        base.Summary(results);
        var path = Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY");
        if (string.IsNullOrEmpty(path) || results.Count == 0) return;
        var lines = new List<string> { "| model | step | result | duration | detail |", "|---|---|---|---|---|" };
        lines.AddRange(results.Select(r => $"| {r.Model} | {r.Step} | {r.Result} | {r.DurationSeconds:F1}s | {r.Detail.Replace("|", "\\|", StringComparison.Ordinal)} |"));
        File.AppendAllLines(path, lines.Select(Errors.Redactor.Redact));
    }

    private static string Escape(string s) =>
        Errors.Redactor.Redact(s).Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);
}
