using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;

namespace ModelPipeline.Tests.Support;

/// <summary>Runs the real <c>modelpipe</c> CLI (built beside the tests) as a child process.</summary>
public static class Modelpipe
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string All => StdOut + StdErr;
    }

    public static async Task<Result> RunAsync(string root, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "modelpipe.dll");
        var environment = new Dictionary<string, string?>
        {
            ["GITHUB_ACTIONS"] = null,
            ["GITLAB_CI"] = null,
            ["CI"] = "true",
            ["DOTNET_NOLOGO"] = "1",
        };
        if (env is not null) foreach (var (k, v) in env) environment[k] = v;
        var result = await CliWrap.Cli.Wrap("dotnet")
            .WithArguments([dll, .. args, "--root", root])
            .WithWorkingDirectory(root)
            .WithEnvironmentVariables(environment)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();
        return new Result(result.ExitCode, result.StandardOutput, result.StandardError);
    }

    public static Task<Result> RunAsync(string root, params string[] args) => RunAsync(root, args, null);

    /// <summary>Runs a verb with <c>--json</c>, asserts exit 0 and returns the <c>results</c> rows.</summary>
    public static async Task<JsonElement[]> RunJsonAsync(string root, IEnumerable<string> args,
        IReadOnlyDictionary<string, string?>? env = null)
    {
        var run = await RunAsync(root, [.. args, "--json"], env);
        Assert.True(run.ExitCode == 0, run.All);
        return [.. JsonDocument.Parse(run.StdOut).RootElement.GetProperty("results").EnumerateArray()];
    }

    /// <summary>The one row of <see cref="RunJsonAsync"/>'s results about <paramref name="model"/>.</summary>
    public static JsonElement Row(JsonElement[] rows, string model) =>
        rows.Single(r => r.GetProperty("model").GetString() == model);

    /// <summary>The value at a path of property names, as text.</summary>
    public static string Text(JsonElement e, params string[] path) =>
        path.Aggregate(e, (x, p) => x.GetProperty(p)).ToString();
}
