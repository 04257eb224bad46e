using CliWrap;
using ModelPipeline.Errors;
using ModelPipeline.Progress;

namespace ModelPipeline.Serving;

/// <summary>
/// The health check after a switch (sync.json's <c>health</c>): a command run like the hook (no shell, in the
/// serving root, the hook's allow-listed environment; exit 0 is healthy) or a GET of a URL ({model} and {version}
/// replaced; 2xx is healthy). Tried up to <c>attempts</c> times, <c>delaySeconds</c> apart, each within
/// <c>timeoutSeconds</c>. Returns null when healthy, else why not.
/// </summary>
public sealed class HealthCheck(SyncHealth health, string root, IPipelineReporter reporter)
{
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    public async Task<string?> RunAsync(HookRunner.Switched s, CancellationToken ct)
    {
        string? why = null;
        for (var attempt = 1; attempt <= health.Attempts; attempt++)
        {
            if (attempt > 1) await Task.Delay(TimeSpan.FromSeconds(health.DelaySeconds), ct);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(health.TimeoutSeconds));
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
            try
            {
                why = health.Command is { } command ? await CommandAsync(command, s, linked.Token) : await UrlAsync(s, linked.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                why = $"no answer within {health.TimeoutSeconds}s";
            }
            if (why is null)
            {
                reporter.Info(s.Entry.Model, $"v{s.Version} is healthy (check {attempt}/{health.Attempts})");
                return null;
            }
            reporter.Warning(s.Entry.Model, $"health check {attempt}/{health.Attempts} of v{s.Version}: {why}");
        }
        return $"the health check failed {health.Attempts} time(s); last: {why}";
    }

    private async Task<string?> CommandAsync(IReadOnlyList<string> command, HookRunner.Switched s, CancellationToken ct)
    {
        try
        {
            var result = await Cli.Wrap(command[0]).WithArguments(command.Skip(1))
                .WithWorkingDirectory(root)
                .WithEnvironmentVariables(HookRunner.EnvironmentFor(s))
                .WithStandardOutputPipe(PipeTarget.ToDelegate(line => reporter.Output(s.Entry.Model, line)))
                .WithStandardErrorPipe(PipeTarget.ToDelegate(line => reporter.Output(s.Entry.Model, line)))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(ct);
            return result.ExitCode == 0 ? null : $"'{string.Join(' ', command)}' exited with code {result.ExitCode}";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"'{command[0]}' could not be started ({ex.Message})";
        }
    }

    private async Task<string?> UrlAsync(HookRunner.Switched s, CancellationToken ct)
    {
        var url = health.Url!.Replace("{model}", s.Entry.Model, StringComparison.Ordinal)
            .Replace("{version}", s.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        try
        {
            using var response = await Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            return response.IsSuccessStatusCode ? null : $"GET {Redactor.Redact(url)} answered HTTP {(int)response.StatusCode}";
        }
        catch (HttpRequestException ex)
        {
            return $"GET {Redactor.Redact(url)} failed ({ex.Message})";
        }
    }
}
