using CliWrap;
using ModelPipeline.Errors;
using ModelPipeline.Progress;
using ModelPipeline.RunState;

namespace ModelPipeline.Serving;

/// <summary>
/// The publisher role: runs the models repository's <c>./build.sh Publish</c> as a process (the same
/// targets CI runs), one run at a time per repository, and records the outcome in
/// <c>.pipeline/publisher/status.json</c>. Each run gets its own run id (MODELPIPE_RUN_ID is not passed on).
/// </summary>
public sealed class Publisher(string repoRoot, IPipelineReporter reporter)
{
    public string StateDir => Path.Combine(repoRoot, ".pipeline", "publisher");

    public string StatusPath => Path.Combine(StateDir, "status.json");

    public string InstanceLockPath => Path.Combine(StateDir, "daemon.lock");

    public async Task RunAsync(CancellationToken ct)
    {
        var script = Path.Combine(repoRoot, OperatingSystem.IsWindows() ? "build.ps1" : "build.sh");
        if (!File.Exists(script))
            throw new InvalidInputException($"{repoRoot} has no {Path.GetFileName(script)}; the publisher runs the models repository's Publish target. Fix: pass --root of a checkout of the models repository.");
        using var held = await ProcessLock.AcquireAsync(Path.Combine(StateDir, "run.lock"), TimeSpan.Zero, "another publisher run", ct);
        var started = DateTimeOffset.UtcNow;
        var command = (OperatingSystem.IsWindows() ? Cli.Wrap("pwsh").WithArguments(["-NoProfile", "-File", script, "Publish"]) : Cli.Wrap("bash").WithArguments([script, "Publish"]))
            .WithWorkingDirectory(repoRoot)
            .WithEnvironmentVariables(new Dictionary<string, string?> { ["MODELPIPE_RUN_ID"] = null })
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => reporter.Output(null, line)))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(line => reporter.Output(null, line)))
            .WithValidation(CommandResultValidation.None);
        reporter.Info(null, $"publishing: {Path.GetFileName(script)} Publish in {repoRoot}");
        int exitCode;
        try
        {
            exitCode = (await command.ExecuteAsync(ct)).ExitCode;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Record(started, 130, "interrupted by shutdown; the Publish process tree was stopped");
            throw;
        }
        string? error = exitCode == 0 ? null : $"{Path.GetFileName(script)} Publish exited with code {exitCode} (its output is above)";
        Record(started, exitCode, error);
        if (error is not null) throw new OperationFailedException($"{error}. Fix: see the failed step in the output; the next scheduled run tries again.");
        reporter.Info(null, "Publish succeeded");
    }

    /// <summary>Sets the daemon section of the status file.</summary>
    public void Report(DaemonStatus daemon) => Write(Read() with { Daemon = daemon });

    private void Record(DateTimeOffset started, int exitCode, string? error) =>
        Write(Read() with { LastRun = new PassSummary { StartedAt = started, FinishedAt = DateTimeOffset.UtcNow, ExitCode = exitCode }, LastError = error });

    private PublisherStatus Read()
    {
        try
        {
            if (!File.Exists(StatusPath)) return new PublisherStatus();
            using var stream = File.OpenRead(StatusPath);
            return System.Text.Json.JsonSerializer.Deserialize<PublisherStatus>(stream, RunStateStore.Json) ?? new PublisherStatus();
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or IOException)
        {
            return new PublisherStatus();
        }
    }

    private void Write(PublisherStatus status) => RunStateStore.Write(StatusPath, status with { UpdatedAt = DateTimeOffset.UtcNow });
}

/// <summary><c>.pipeline/publisher/status.json</c>.</summary>
public sealed record PublisherStatus
{
    public DateTimeOffset UpdatedAt { get; init; }
    public PassSummary? LastRun { get; init; }
    public string? LastError { get; init; }
    public DaemonStatus? Daemon { get; init; }
}
