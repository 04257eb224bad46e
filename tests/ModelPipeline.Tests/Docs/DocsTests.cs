using System.Text.RegularExpressions;
using CliWrap.Buffered;
using ModelPipeline.Tests.Ci;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Docs;

/// <summary>
/// The README is a front page and the reference lives in docs/: every relative link and anchor resolves, lines stay
/// within 120 characters, and every target and verb the pages name is one the build and the CLI have.
/// </summary>
public sealed partial class DocsTests
{
    private static readonly string Root = TestWorld.RepoRoot();

    [Fact]
    public void Every_relative_link_and_anchor_in_the_readme_and_the_docs_pages_resolves()
    {
        var broken = new List<string>();
        foreach (var page in DocsPages.All())
            foreach (var (line, target) in DocsPages.Links(page))
            {
                if (Regex.IsMatch(target, "^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase)) continue; // https:, mailto:
                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var path = hash < 0 ? target : target[..hash];
                var anchor = hash < 0 ? null : target[(hash + 1)..];
                var folder = Path.GetDirectoryName(page)!;
                var file = path.Length == 0 ? page
                    : Path.GetRelativePath(Root, Path.GetFullPath(Path.Combine(Root, folder, path))).Replace('\\', '/');
                if (!File.Exists(Path.Combine(Root, file)) && !Directory.Exists(Path.Combine(Root, file)))
                    broken.Add($"{page}:{line}: {target}: no file {file}");
                else if (anchor is not null && !(file.EndsWith(".md", StringComparison.Ordinal)
                                                 && DocsPages.Anchors(file).Contains(anchor)))
                    broken.Add($"{page}:{line}: {target}: {file} has no heading with the anchor #{anchor}");
            }
        Assert.True(broken.Count == 0, string.Join('\n', broken));
    }

    [Fact]
    public void Every_line_of_the_readme_and_the_docs_pages_is_at_most_120_characters()
    {
        var longLines = DocsPages.All()
            .SelectMany(page => DocsPages.Lines(page).Select((text, i) => (page, line: i + 1, text)))
            .Where(l => l.text.Length > 120)
            .Select(l => $"{l.page}:{l.line}: {l.text.Length} characters")
            .ToList();
        Assert.True(longLines.Count == 0, string.Join('\n', longLines));
    }

    [Fact]
    public void The_readme_is_a_front_page_that_links_every_docs_page()
    {
        Assert.InRange(DocsPages.Lines("README.md").Length, 1, 250);
        var linked = DocsPages.Links("README.md").Select(l => l.Target.Split('#')[0]).ToHashSet(StringComparer.Ordinal);
        var unlinked = DocsPages.All().Where(p => p != "README.md" && !linked.Contains(p.Replace('\\', '/'))).ToList();
        Assert.True(unlinked.Count == 0, "README.md links no: " + string.Join(", ", unlinked));
    }

    [Fact]
    public void Every_build_target_the_pages_name_is_a_target_of_the_build()
    {
        var targets = CakeTargets.Declared();
        var unknown = DocsPages.All()
            .SelectMany(page => DocsPages.Lines(page).SelectMany((text, i) =>
                BuildTarget().Matches(text).Select(m => (page, line: i + 1, target: m.Groups[1].Value))))
            .Where(t => !targets.Contains(t.target))
            .Select(t => $"{t.page}:{t.line}: ./build.sh {t.target}")
            .ToList();
        Assert.True(unknown.Count == 0, "no such target:\n" + string.Join('\n', unknown));
    }

    [Fact]
    public async Task Every_modelpipe_verb_and_option_the_pages_show_is_one_the_cli_has()
    {
        using var world = new TestWorld();
        var help = new Dictionary<string, string>(StringComparer.Ordinal);
        async Task<string> Help(string command) =>
            help.TryGetValue(command, out var text) ? text : help[command] = await HelpText(world, command);
        var unknown = new List<string>();
        foreach (var page in DocsPages.All())
            foreach (var (line, code) in DocsPages.CodeSnippets(page))
                foreach (Match m in Verb().Matches(code))
                {
                    var (verb, sub) = (m.Groups[1].Value, m.Groups[2].Value);
                    if (!Commands(await Help("")).Contains(verb))
                    {
                        unknown.Add($"{page}:{line}: modelpipe {verb}");
                        continue;
                    }
                    var command = verb;
                    if (Commands(await Help(verb)) is { Count: > 0 } subs && sub.Length > 0)
                    {
                        if (!subs.Contains(sub)) { unknown.Add($"{page}:{line}: modelpipe {verb} {sub}"); continue; }
                        command = $"{verb} {sub}";
                    }
                    // The options written after the command, up to a comment or the next command.
                    var rest = Regex.Split(code[(m.Index + m.Length)..], "#|;|&&")[0];
                    foreach (Match option in Option().Matches(rest))
                        if (!(await Help(command)).Contains(option.Value + " ", StringComparison.Ordinal)
                            && !(await Help(command)).Contains(option.Value + ",", StringComparison.Ordinal))
                            unknown.Add($"{page}:{line}: modelpipe {command} {option.Value}");
                }
        Assert.NotEmpty(Commands(await Help("")));
        Assert.True(unknown.Count == 0, "the CLI has no:\n" + string.Join('\n', unknown));
    }

    /// <summary>build/cli/modelpipe (README, Running modelpipe) in a checkout that was never built.</summary>
    [Fact]
    public async Task The_modelpipe_wrapper_in_a_checkout_without_a_build_says_to_run_Compile_and_exits_2()
    {
        using var world = new TestWorld();
        var wrapper = Path.Combine(world.Root, "build", "cli", "modelpipe");
        Directory.CreateDirectory(Path.GetDirectoryName(wrapper)!);
        File.Copy(Path.Combine(Root, "build", "cli", "modelpipe"), wrapper);
        await Tools.RunOkAsync("chmod", "+x", wrapper);

        var run = await CliWrap.Cli.Wrap(wrapper).WithArguments(["--help"])
            .WithValidation(CliWrap.CommandResultValidation.None).ExecuteBufferedAsync();

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("modelpipe.dll is missing", run.StandardError, StringComparison.Ordinal);
        Assert.Contains($"run ./build.sh Compile in {world.Root} first", run.StandardError, StringComparison.Ordinal);
    }

    /// <summary>What <c>modelpipe [command] --help</c> prints.</summary>
    private static async Task<string> HelpText(TestWorld world, string command)
    {
        string[] args = [.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"];
        var help = await Modelpipe.RunAsync(world.Root, args);
        Assert.True(help.ExitCode == 0, help.All);
        return help.StdOut;
    }

    /// <summary>The commands a help text lists (none when it has no "Commands:" section).</summary>
    private static HashSet<string> Commands(string help)
    {
        var commands = help.Split("\nCommands:\n", 2);
        return commands.Length < 2 ? [] : HelpCommand().Matches(commands[1]).Select(m => m.Groups[1].Value).ToHashSet();
    }

    [GeneratedRegex(@"\./build\.(?:sh|ps1) ([A-Z][A-Za-z]+)")]
    private static partial Regex BuildTarget();

    [GeneratedRegex(@"(?<![\w/.-])modelpipe ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?")]
    private static partial Regex Verb();

    [GeneratedRegex(@"^  ([a-z][a-z-]*)\b", RegexOptions.Multiline)]
    private static partial Regex HelpCommand();

    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z0-9-]*")]
    private static partial Regex Option();
}
