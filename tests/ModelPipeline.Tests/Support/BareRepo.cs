using CliWrap;
using CliWrap.Buffered;

namespace ModelPipeline.Tests.Support;

/// <summary>Plain git commands for checking what landed in a bare repository.</summary>
public static class BareRepo
{
    public static async Task<string> GitAsync(string workDir, params string[] args)
    {
        var result = await CliWrap.Cli.Wrap("git").WithArguments(args).WithWorkingDirectory(workDir)
            .WithEnvironmentVariables(new Dictionary<string, string?> { ["GIT_TERMINAL_PROMPT"] = "0", ["LC_ALL"] = "C" })
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        if (result.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', args)} failed: {result.StandardError}");
        return result.StandardOutput;
    }

    public static async Task<string> CreateAsync(string path)
    {
        Directory.CreateDirectory(path);
        await GitAsync(path, "init", "--bare", "--quiet", "--initial-branch", "main");
        return path;
    }

    /// <summary>The branch tip, or null when the branch does not exist.</summary>
    public static async Task<string?> TipAsync(string bare, string branch = "main")
    {
        var refs = await GitAsync(bare, "for-each-ref", "--format=%(objectname)", $"refs/heads/{branch}");
        return refs.Trim() is { Length: > 0 } t ? t : null;
    }

    public static async Task<IReadOnlyList<string>> FilesAsync(string bare, string branch = "main") =>
        (await GitAsync(bare, "ls-tree", "-r", "--name-only", branch)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static Task<string> ShowAsync(string bare, string path, string branch = "main") => GitAsync(bare, "show", $"{branch}:{path}");

    public static async Task<int> CommitCountAsync(string bare, string branch = "main") =>
        int.Parse((await GitAsync(bare, "rev-list", "--count", branch)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
}
