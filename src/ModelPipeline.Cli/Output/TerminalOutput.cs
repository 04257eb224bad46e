using ModelPipeline.Progress;
using Spectre.Console;

namespace ModelPipeline.Cli.Output;

/// <summary>An interactive terminal: colours, a live progress bar for transfers, a summary table.</summary>
public sealed class TerminalOutput : ConsoleOutput
{
    private readonly IAnsiConsole _console;

    public TerminalOutput(TextWriter writer) : base(writer) =>
        _console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });

    public override ConsoleOutput WithWriter(TextWriter writer) => new TerminalOutput(writer);

    public override void BeginSection(string title) => _console.Write(new Rule($"[bold]{Spectre.Console.Markup.Escape(title)}[/]").LeftJustified());

    public override void EndSection(string title) { }

    public override void Info(string? model, string message) => Write(model, Spectre.Console.Markup.Escape(Errors.Redactor.Redact(message)));

    public override void Warning(string? model, string message) => Write(model, $"[yellow]warning:[/] {Spectre.Console.Markup.Escape(Errors.Redactor.Redact(message))}");

    public override void Error(string? model, string message) => Write(model, $"[red]error:[/] {Spectre.Console.Markup.Escape(Errors.Redactor.Redact(message))}");

    public override void Output(string? model, string line) => Write(model, $"[grey]| {Spectre.Console.Markup.Escape(Errors.Redactor.Redact(line))}[/]");

    public override ITransferProgress StartTransfer(string? model, string description, long? totalBytes) =>
        new BarProgress(Writer, $"{Prefix(model)}{description}", totalBytes);

    public override void Summary(IReadOnlyList<StepResult> results)
    {
        if (results.Count == 0) return;
        var table = new Table().Border(TableBorder.Rounded).AddColumns("model", "step", "result", "duration", "detail");
        foreach (var r in results)
        {
            var colour = r.Result switch { "ok" => "green", "skipped" => "grey", "warning" => "yellow", _ => "red" };
            table.AddRow(Spectre.Console.Markup.Escape(r.Model), Spectre.Console.Markup.Escape(r.Step), $"[{colour}]{r.Result}[/]", $"{r.DurationSeconds:F1}s", Spectre.Console.Markup.Escape(Errors.Redactor.Redact(r.Detail)));
        }
        _console.Write(table);
    }

    private void Write(string? model, string markup) =>
        _console.MarkupLine(model is null ? markup : $"[blue]{Spectre.Console.Markup.Escape(model)}[/] {markup}");

    /// <summary>A one-line bar redrawn in place at most ten times a second.</summary>
    private sealed class BarProgress(TextWriter writer, string label, long? total) : ITransferProgress
    {
        private long _done;
        private long _lastDraw;

        public void Advance(long bytes)
        {
            _done += bytes;
            var now = Environment.TickCount64;
            if (now - _lastDraw < 100) return;
            _lastDraw = now;
            Draw();
        }

        public void Dispose()
        {
            Draw();
            writer.WriteLine();
        }

        private void Draw()
        {
            if (total is > 0)
            {
                var fraction = Math.Min(1.0, (double)_done / total.Value);
                var filled = (int)(fraction * 30);
                writer.Write($"\r{label} [{new string('#', filled)}{new string('.', 30 - filled)}] {fraction:P0} {Bytes.Format(_done)}/{Bytes.Format(total.Value)}   ");
            }
            else
            {
                writer.Write($"\r{label} {Bytes.Format(_done)}   ");
            }
        }
    }
}
