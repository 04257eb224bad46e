using System.CommandLine;
using ModelPipeline.Cli.Output;
using ModelPipeline.Configuration;
using ModelPipeline.Models;
using ModelPipeline.RunState;

namespace ModelPipeline.Cli.Commands;

/// <summary>What a verb works with: root, settings, output and run state.</summary>
internal sealed class CommandContext
{
    private CommandContext(string root, PipelineConfig config, ConsoleOutput output, bool json)
    {
        Root = root;
        Config = config;
        Output = output;
        Json = json;
        State = new RunStateStore(config.ArtifactsDir, config.RepoRoot);
    }

    public string Root { get; }
    public PipelineConfig Config { get; }
    public ConsoleOutput Output { get; }
    public bool Json { get; }
    public RunStateStore State { get; }

    /// <summary>The run this verb belongs to (<c>MODELPIPE_RUN_ID</c>; null when run by hand), checked before any work.</summary>
    public string? RunId { get; } = Reporting.RunJournal.CurrentRunId();

    /// <summary>The parsed command line, for verb-specific options.</summary>
    public ParseResult Parse { get; private init; } = null!;

    /// <summary>How many models a per-model verb works on at once (<c>--parallel</c>, default the core count).</summary>
    public int Parallel { get; private init; } = 1;

    /// <summary>Whether every model's lines and summary row are printed, also in a run over many models (<c>--verbose</c>).</summary>
    public bool Verbose { get; private init; }

    /// <summary>The models of this chain verb that the run passes over as settled (model → the run that settled
    /// it).</summary>
    public IReadOnlyDictionary<string, string> Settled { get; private set; } = new Dictionary<string, string>();

    /// <summary>The chain verb this context settles for (null: not a Publish chain verb in a run).</summary>
    public string? SettlingVerb { get; private set; }

    /// <summary>
    /// The selected models of a Publish chain verb (<see cref="Settling.Settlement.Chain"/>) that this run works on:
    /// in a run (<c>MODELPIPE_RUN_ID</c>) and without options beyond the common ones, the settled models are left out
    /// (<see cref="Settled"/>); their rows are added as skipped.
    /// </summary>
    public async Task<IReadOnlyList<ModelDefinition>> ChainModelsAsync(ParseResult parse, Option<string[]> model,
        string verb, CancellationToken ct)
    {
        if (RunId is null || !Settling.Settlement.Chain.Contains(verb) || !OnlyCommonOptions(parse))
            return Models(parse, model);
        // Only the names are needed to settle: a settled model's definition is not read again.
        var names = ModelCatalog.Select(Root, parse.GetValue(model) ?? []);
        var run = await Settling.Settlement.ForRunAsync(Config, RunId, names, Output, ct);
        SettlingVerb = verb;
        Settled = names.Where(run.Settled.ContainsKey).ToDictionary(n => n, n => run.Settled[n]);
        return ModelCatalog.LoadNamed(Root, [.. names.Where(n => !Settled.ContainsKey(n))],
            Settling.Settlement.CheckedDefinitions(Config));
    }

    /// <summary>Whether only the options every verb has were given (a verb option such as --retrain asks for
    /// work).</summary>
    private static bool OnlyCommonOptions(ParseResult parse) =>
        parse.Tokens.Where(t => t.Type == System.CommandLine.Parsing.TokenType.Option)
            .All(t => t.Value is "--model" or "-m" or "--parallel" or "--verbose" or "--json" or "--root"
                or "--config");

    /// <summary>The same context writing to another output (one model's buffer in a parallel run).</summary>
    public CommandContext WithOutput(ConsoleOutput output) =>
        new(Root, Config, output, Json) { Parse = Parse, Parallel = Parallel, Verbose = Verbose };

    public static CommandContext Create(ParseResult parse)
    {
        var parallel = parse.GetValue(CommonOptions.Parallel) ?? Environment.ProcessorCount;
        if (parallel < 1)
            throw new Errors.InvalidInputException($"--parallel {parallel}: at least 1 model at a time. Fix: pass --parallel 1 or more (default: the number of cores, {Environment.ProcessorCount}).");
        var json = parse.GetValue(CommonOptions.Json);
        var root = FindRoot(parse.GetValue(CommonOptions.Root));
        var config = ConfigLoader.Load(root, parse.GetValue(CommonOptions.Config));
        var output = ConsoleOutput.Create(json);
        output.MaskSecrets(config.RegisterSecrets());
        return new CommandContext(root, config, output, json) { Parse = parse, Parallel = parallel, Verbose = parse.GetValue(CommonOptions.Verbose) };
    }

    public IReadOnlyList<ModelDefinition> Models(ParseResult parse, Option<string[]> model) =>
        ModelCatalog.Load(Root, parse.GetValue(model) ?? [], Settling.Settlement.CheckedDefinitions(Config));

    private static string FindRoot(string? given)
    {
        if (given is not null)
        {
            var full = Path.GetFullPath(given);
            if (!Directory.Exists(full))
                throw new Errors.InvalidInputException($"--root {given}: no such folder. Fix: pass the repository root.");
            return full;
        }
        var env = Environment.GetEnvironmentVariable("MODELPIPE_ROOT");
        if (!string.IsNullOrEmpty(env)) return Path.GetFullPath(env);
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "pipeline.json"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
