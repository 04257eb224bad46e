namespace ModelPipeline.Cli.Output;

/// <summary>Plain lines for logs and pipes: no colours, no cursor movement.</summary>
public sealed class PlainOutput(TextWriter writer) : ConsoleOutput(writer)
{
    public override ConsoleOutput WithWriter(TextWriter writer) => new PlainOutput(writer);

    public override void BeginSection(string title) => Line($"== {title}");

    public override void EndSection(string title) { }
}
