using System.CommandLine;

namespace ModelPipeline.Cli.Commands;

/// <summary>Options every verb understands.</summary>
internal static class CommonOptions
{
    public static readonly Option<string?> Root = new("--root")
    {
        Description = "Repository root (default: the nearest folder at or above the current one that holds pipeline.json).",
        Recursive = true,
    };

    public static readonly Option<string?> Config = new("--config")
    {
        Description = "Settings file (default: <root>/pipeline.json).",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print a machine-readable JSON result on stdout (human output goes to stderr).",
        Recursive = true,
    };

    public static readonly Option<int?> Parallel = new("--parallel")
    {
        Description = "How many models a per-model step works on at once (default: the number of cores). Output stays grouped per model; the summary keeps the model order.",
        Recursive = true,
    };

    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Print every model's lines and summary row. By default a per-model step over more than 20 models prints only the models it did not skip (and any with a warning), then one line of counts.",
        Recursive = true,
    };

    public static Option<string[]> Model() => new("--model", "-m")
    {
        Description = "A model to work on (repeatable). Default: every model under models/.",
        AllowMultipleArgumentsPerToken = false,
    };
}
