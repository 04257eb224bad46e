using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using ModelPipeline.Errors;
using ModelPipeline.RunState;

namespace ModelPipeline.Cli.Output;

/// <summary>
/// The one <c>--json</c> document every verb prints on stdout: <c>{command, exitCode, results[]}</c>, each result a
/// <see cref="StepResult"/> (schema: docs/json-output.schema.json). A verb writes it with its own rows; when a verb
/// ends without writing it (it failed before its rows, a usage error, or it has no rows), the invocation writes it
/// with the failure as its one row, so a script always reads exactly one document.
/// </summary>
internal static class JsonEnvelope
{
    private static readonly AsyncLocal<Invocation?> Current = new();

    /// <summary>Runs a parsed command line; with <c>--json</c>, makes sure it printed exactly one envelope.</summary>
    public static async Task<int> InvokeAsync(ParseResult parse, Func<Task<int>> invoke)
    {
        var json = parse.GetValue(Commands.CommonOptions.Json);
        var invocation = new Invocation(CommandName(parse));
        var outer = Current.Value;
        Current.Value = invocation;
        int exit;
        try
        {
            exit = await invoke();
        }
        finally
        {
            Current.Value = outer;
        }
        if (json && !invocation.Written)
            Print(invocation.Command, exit, invocation.Failure is { } failure ? [failure] : []);
        return exit;
    }

    /// <summary>A command line that did not parse: with <c>--json</c>, its envelope (exit 2) names the errors.</summary>
    public static int UsageError(ParseResult parse, int exitCode)
    {
        if (parse.GetValue(Commands.CommonOptions.Json))
        {
            var detail = string.Join("; ", parse.Errors.Select(e => e.Message));
            Print(CommandName(parse), exitCode, [Failed(CommandName(parse), null, detail)]);
        }
        return exitCode;
    }

    /// <summary>Prints the envelope of the running verb (a long-running verb may print one per pass).</summary>
    public static void Write(string command, int exitCode, IReadOnlyList<StepResult> results)
    {
        if (Current.Value is { } invocation) invocation.Written = true;
        Print(command, exitCode, results);
    }

    /// <summary>The failure that ended the running verb, for its envelope when it wrote none.</summary>
    public static void Failed(Exception ex, string message)
    {
        if (Current.Value is { } invocation)
            invocation.Failure = Failed(invocation.Command, (ex as PipelineException)?.Model, message);
    }

    /// <summary>The verb as typed, without the options: "models list", "pr merge", "train".</summary>
    public static string CommandName(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as CommandResult)
            if (result.Command is not RootCommand) names.Insert(0, result.Command.Name);
        return string.Join(' ', names);
    }

    private static StepResult Failed(string command, string? model, string message) => new()
    {
        Model = model ?? "",
        Step = command,
        Result = "failed",
        Detail = message.Split('\n')[0].Trim(),
    };

    private static void Print(string command, int exitCode, IReadOnlyList<StepResult> results)
    {
        var json = JsonSerializer.Serialize(new { command, exitCode, results }, RunStateStore.Json);
        Console.Out.WriteLine(Redactor.Redact(json));
    }

    private sealed class Invocation(string command)
    {
        public string Command { get; } = command;
        public bool Written { get; set; }
        public StepResult? Failure { get; set; }
    }
}
