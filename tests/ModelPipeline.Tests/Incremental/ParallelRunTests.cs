using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Incremental;

/// <summary>--parallel N: models run at once, each model's output stays together, the summary keeps the model order; modelpipe steps runs many verbs in one process.</summary>
public sealed class ParallelRunTests
{
    /// <summary>
    /// Models whose trainer prints three lines, waits (up to 20 s) until another model's trainer runs
    /// at the same time, and writes the files. Earlier models wait longer, so they finish last.
    /// </summary>
    private static List<string> WriteModels(TestWorld world, int count)
    {
        var names = Enumerable.Range(1, count).Select(i => $"p{i:00}").ToList();
        var running = Path.Combine(world.Root, "running");
        Directory.CreateDirectory(running);
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            var dir = TouchOnlyWhatChangedTests.CopyIrisAs(world, name);
            File.WriteAllText(Path.Combine(dir, "train.sh"), $$"""
                touch "{{running}}/$MP_MODEL_NAME"
                for n in $(seq 1 200); do [ "$(ls "{{running}}" | wc -l)" -ge 2 ] && break; sleep 0.1; done
                echo "$MP_MODEL_NAME saw $(ls "{{running}}" | wc -l) running"
                echo "$MP_MODEL_NAME line 2"
                sleep 0.{{count - i}}
                echo "$MP_MODEL_NAME line 3"
                printf x > "$MP_OUTPUT_DIR/model.onnx"; printf '{}' > "$MP_OUTPUT_DIR/metrics.json"; printf '{}' > "$MP_OUTPUT_DIR/test_vectors.json"
                rm -f "{{running}}/$MP_MODEL_NAME"
                """.Replace("\r", "", StringComparison.Ordinal));
            var json = Path.Combine(dir, "model.json");
            File.WriteAllText(json, Regex.Replace(Regex.Replace(File.ReadAllText(json),
                @"""command"": \[.*\]", """ "command": ["sh", "train.sh"]"""), @"""sources"": \[.*\]", """ "sources": ["train.sh"]"""));
        }
        return names;
    }

    [Fact]
    public async Task A_parallel_run_keeps_each_models_output_together_in_model_order_and_the_summary_ordered()
    {
        using var world = new TestWorld();
        var names = WriteModels(world, 4);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "fetch")).ExitCode);

        var run = await Modelpipe.RunAsync(world.Root, "train", "--parallel", "4");

        Assert.True(run.ExitCode == 0, run.All);
        var lines = run.StdOut.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        // Sections in model order, and every line between two headers belongs to that section's model.
        var headers = lines.Where(l => l.StartsWith("== train ", StringComparison.Ordinal)).ToList();
        Assert.Equal(names.Select(n => $"== train {n}"), headers);
        string? current = null;
        foreach (var line in lines.TakeWhile(l => !l.StartsWith("model ", StringComparison.Ordinal)))
        {
            if (line.StartsWith("== train ", StringComparison.Ordinal)) current = line["== train ".Length..];
            else Assert.StartsWith($"[{current}]", line, StringComparison.Ordinal);
        }
        foreach (var name in names)
        {
            var own = lines.Where(l => l.StartsWith($"[{name}] | ", StringComparison.Ordinal)).ToList();
            Assert.Equal(3, own.Count);
            Assert.Matches($@"{name} saw [2-9] running", own[0]);
        }
        // The summary rows come in model order too.
        var summary = lines.SkipWhile(l => !l.StartsWith("model ", StringComparison.Ordinal)).Skip(1).Select(l => l.Split(' ')[0]).ToList();
        Assert.Equal(names, summary);
    }

    [Fact]
    public async Task A_parallel_of_zero_is_invalid_input_and_nothing_is_written()
    {
        using var world = new TestWorld();
        WriteModels(world, 1);
        var before = world.Files();

        var run = await Modelpipe.RunAsync(world.Root, "fetch", "--parallel", "0");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--parallel 0: at least 1 model at a time. Fix:", run.All, StringComparison.Ordinal);
        Assert.Equal(before, world.Files());
    }

    [Fact]
    public async Task Modelpipe_steps_runs_each_verb_line_in_one_process_and_appends_its_exit_code()
    {
        using var world = new TestWorld();
        WriteModels(world, 1);
        var status = Path.Combine(world.Root, "status");
        var input = string.Join('\n',
            $$"""["check","--root",{{System.Text.Json.JsonSerializer.Serialize(world.Root)}}]""",
            """["no-such-verb"]""",
            "not json",
            $$"""["fetch","--root",{{System.Text.Json.JsonSerializer.Serialize(world.Root)}}]""") + "\n";

        var result = await CliWrap.Cli.Wrap("dotnet")
            .WithArguments([Path.Combine(AppContext.BaseDirectory, "modelpipe.dll"), "steps", "--status-file", status])
            .WithEnvironmentVariables(new Dictionary<string, string?> { ["CI"] = "true", ["GITHUB_ACTIONS"] = null, ["GITLAB_CI"] = null })
            .WithStandardInputPipe(PipeSource.FromString(input))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Equal("0\n2\n2\n0\n", await File.ReadAllTextAsync(status));
        Assert.Contains("== check p01", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("== fetch p01", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("not a JSON array of arguments", result.StandardError, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(world.ArtifactsDir, "p01", "fetch.json")));
    }
}
