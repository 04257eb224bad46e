namespace ModelPipeline.Cli.Output;

/// <summary>GitLab CI collapsible sections (<c>section_start</c>/<c>section_end</c> markers).</summary>
public sealed class GitLabOutput(TextWriter writer) : ConsoleOutput(writer)
{
    public override ConsoleOutput WithWriter(TextWriter writer) => new GitLabOutput(writer);

    private const string Esc = "\u001b[0K";

    public override void BeginSection(string title) =>
        Line($"{Esc}section_start:{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}:{Id(title)}[collapsed=true]\r{Esc}{title}");

    public override void EndSection(string title) =>
        Line($"{Esc}section_end:{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}:{Id(title)}\r{Esc}");

    private static string Id(string title) =>
        new(title.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
}
