using System.CommandLine;
using System.Text.Json;
using ModelPipeline.Cli.Output;

namespace ModelPipeline.Cli.Commands;

/// <summary>
/// <c>modelpipe steps --status-file FILE</c>: runs verbs in this one process, one after the other, as
/// they arrive on standard input (one JSON array of arguments a line, exactly what a separate
/// <c>modelpipe</c> process would get), appending each exit code as a line to FILE. build.sh's
/// Cake targets use it so a chain of step targets starts one process instead of one per target, and
/// each remote is fetched once per run. Each verb still prints its own output and summary.
/// </summary>
internal static class StepsCommand
{
    public static Command Create(RootCommand root)
    {
        var status = new Option<string>("--status-file") { Description = "The file each verb's exit code is appended to, one line per verb.", Required = true };
        var command = new Command("steps", "Run verbs read from standard input (one JSON array of arguments a line) in this one process; each exit code is appended to --status-file. Used by build.sh.") { status };
        command.SetAction(async (parse, ct) =>
        {
            var path = Path.GetFullPath(parse.GetValue(status)!);
            var rows = new List<StepResult>();
            while (await Console.In.ReadLineAsync(ct) is { } line)
            {
                if (line.Trim().Length == 0) continue;
                var exit = await RunAsync(root, line);
                rows.Add(Verb.Item("", "steps", $"exit {exit}: {line.Trim()}", new { line = line.Trim(), exitCode = exit },
                    exit == 0 ? "ok" : "failed"));
                await Console.Out.FlushAsync(ct);
                await Console.Error.FlushAsync(ct);
                await File.AppendAllTextAsync(path, $"{exit}\n", ct);
            }
            if (parse.GetValue(CommonOptions.Json)) Verb.WriteJson("steps", 0, rows);
            return 0;
        });
        return command;
    }

    private static async Task<int> RunAsync(RootCommand root, string line)
    {
        string[]? args;
        try
        {
            args = JsonSerializer.Deserialize<string[]>(line);
        }
        catch (JsonException ex)
        {
            await Console.Error.WriteLineAsync($"error: modelpipe steps: a line is not a JSON array of arguments ({ex.Message}). Fix: send one JSON array of strings per line, e.g. [\"fetch\",\"--model\",\"iris\"].");
            return 2;
        }
        if (args is not { Length: > 0 } || args[0] == "steps")
        {
            await Console.Error.WriteLineAsync("error: modelpipe steps: each line names one verb and its arguments, e.g. [\"fetch\",\"--model\",\"iris\"] (not 'steps'). Fix: correct the line.");
            return 2;
        }
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) await Console.Error.WriteLineAsync($"error: {error.Message}");
            await Console.Error.WriteLineAsync("Fix: see 'modelpipe --help' or 'modelpipe <verb> --help'.");
            return JsonEnvelope.UsageError(parse, 2);
        }
        return await JsonEnvelope.InvokeAsync(parse, () => parse.InvokeAsync());
    }
}
