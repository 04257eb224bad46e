using System.Text.Json;
using System.Text.RegularExpressions;
using ModelPipeline.Models;
using ModelPipeline.Training.Remote;

namespace ModelPipeline.Training.RunPod;

/// <summary>Settings of the RunPod serverless backend (<c>training.options</c> / pipeline.json <c>training.runpod</c>).</summary>
public sealed partial record RunPodOptions
{
    public string ApiUrl { get; init; } = "https://api.runpod.ai";
    public string? TokenEnv { get; init; }
    public string? EndpointId { get; init; }

    /// <summary>Fixed fields of the job's input, beside the hyperparameters and data references.</summary>
    public IReadOnlyDictionary<string, JsonElement> Input { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>The folder of the output archive whose content is the trained files.</summary>
    public string ArchiveSubfolder { get; init; } = "models/";

    public double PollSeconds { get; init; } = 5;
    public double MaxPollSeconds { get; init; } = 60;
    public int Retries { get; init; } = 5;
    public int MaxEntries { get; init; } = 10_000;
    public double MaxCompressionRatio { get; init; } = 200;

    /// <summary>
    /// The largest output archive to download; the download stops there. Unset: <c>artifacts.maxTotalBytes</c>
    /// plus <see cref="ArchiveAllowance"/> for the archive's own headers and padding.
    /// </summary>
    public long? MaxArchiveBytes { get; init; }

    /// <summary>What an archive may hold beyond the trained files when <see cref="MaxArchiveBytes"/> is unset: 64 MiB.</summary>
    public const long ArchiveAllowance = 64L << 20;

    public long ArchiveLimit(long maxTotalBytes) =>
        MaxArchiveBytes ?? (maxTotalBytes > long.MaxValue - ArchiveAllowance ? long.MaxValue : maxTotalBytes + ArchiveAllowance);

    public string Link(string jobId) => $"{ApiUrl.TrimEnd('/')}/v2/{EndpointId}/status/{Uri.EscapeDataString(jobId)}";

    public static void Check(RunPodOptions o, Action<string, string> problem)
    {
        RemoteOptions.CheckUrl(o.ApiUrl, "apiUrl", problem);
        if (string.IsNullOrEmpty(o.EndpointId)) problem("endpointId", "missing. Fix: set the id of the serverless endpoint (RunPod console → Serverless).");
        else if (!EndpointPattern().IsMatch(o.EndpointId)) problem("endpointId", $"'{o.EndpointId}' is not an endpoint id (letters, digits, '-', '_').");
        if (string.IsNullOrEmpty(o.TokenEnv)) problem("tokenEnv", "missing: the name of the environment variable with the RunPod API key. Fix: e.g. \"tokenEnv\": \"RUNPOD_API_KEY\".");
        if (SafePath.TryResolve("/x", o.ArchiveSubfolder.TrimEnd('/'), out var why) is null && o.ArchiveSubfolder.TrimEnd('/').Length > 0)
            problem("archiveSubfolder", $"'{o.ArchiveSubfolder}' {why}.");
        if (o.PollSeconds <= 0 || o.MaxPollSeconds < o.PollSeconds) problem("pollSeconds", "needs 0 < pollSeconds <= maxPollSeconds.");
        if (o.Retries is < 0 or > 20) problem("retries", "must be between 0 and 20.");
        if (o.MaxEntries < 1) problem("maxEntries", "must be at least 1.");
        if (o.MaxCompressionRatio < 1) problem("maxCompressionRatio", "must be at least 1.");
        if (o.MaxArchiveBytes < 1) problem("maxArchiveBytes", "must be at least 1 (bytes); leave it out for artifacts.maxTotalBytes + 64 MiB.");
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$")]
    private static partial Regex EndpointPattern();
}
