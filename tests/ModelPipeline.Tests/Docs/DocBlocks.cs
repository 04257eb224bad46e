using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Docs;

/// <summary>
/// The shell blocks the docs mark as run by a test: a line <c>&lt;!-- test: NAME ... --&gt;</c> right before a
/// fenced <c>bash</c> block. Tests run the block exactly as written, so the page cannot drift from what works.
/// </summary>
public static partial class DocBlocks
{
    /// <summary>The block marked <paramref name="name"/> in <paramref name="page"/> (a path from the root).</summary>
    public static string Read(string page, string name)
    {
        var text = File.ReadAllText(Path.Combine(TestWorld.RepoRoot(), page)).ReplaceLineEndings("\n");
        var match = Marked().Matches(text).SingleOrDefault(m => m.Groups["name"].Value == name);
        Assert.True(match is not null, $"{page} has no block marked '<!-- test: {name}' followed by a ```bash block");
        return match.Groups["body"].Value;
    }

    /// <summary>
    /// Runs a block with bash (-euo pipefail) in <paramref name="folder"/>, with <paramref name="onPath"/> first on the
    /// PATH when a page says what must be on it; returns the exit code and all output.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string block, string folder, string? onPath = null)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (onPath is not null) path = onPath + Path.PathSeparator + path;
        var result = await CliWrap.Cli.Wrap("bash").WithArguments(["-euo", "pipefail", "-c", block])
            .WithWorkingDirectory(folder)
            .WithEnvironmentVariables(e => e
                .Set("PATH", path).Set("MODELPIPE_RUN_ID", null).Set("MODELPIPE_TEST_FILTER", null)
                .Set("GITHUB_ACTIONS", null).Set("GITLAB_CI", null).Set("CAKE_PATHS_CACHE", null)
                .Set("NO_COLOR", "1").Set("TERM", "dumb")
                .Set("GIT_AUTHOR_NAME", "Release Manager").Set("GIT_AUTHOR_EMAIL", "rm@example.com")
                .Set("GIT_COMMITTER_NAME", "Release Manager").Set("GIT_COMMITTER_EMAIL", "rm@example.com"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }

    [GeneratedRegex(@"^<!-- test: (?<name>[a-z0-9-]+)\b[^\n]*-->\n```bash\n(?<body>.*?)^```$",
        RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Marked();
}
