using CliWrap;
using ModelPipeline.Errors;
using ModelPipeline.Progress;

namespace ModelPipeline.Serving;

/// <summary>
/// Runs the sync file's hook after a switch: no shell, in the serving root, output into the log,
/// killed with its child processes on timeout or shutdown. Its environment is allow-listed, so no
/// secret of the sync process (a zoo or registry token, a CI or cloud credential) reaches it.
/// </summary>
/// <remarks>
/// Environment: <see cref="Passed"/> as the sync process has them, and MODELPIPE_SYNC_MODEL,
/// MODELPIPE_SYNC_ENTRY (NAME@REF), MODELPIPE_SYNC_VERSION (N), MODELPIPE_SYNC_DIGEST,
/// MODELPIPE_SYNC_PATH (the version folder), MODELPIPE_SYNC_CURRENT (the link),
/// MODELPIPE_SYNC_PREVIOUS (the version folder served before, or empty). Nothing else.
/// </remarks>
public sealed class HookRunner(SyncHook hook, string root, IPipelineReporter reporter)
{
    /// <summary>The variables a hook gets from the sync process (plus every LC_* locale variable).</summary>
    public static readonly IReadOnlySet<string> Passed = new HashSet<string>(StringComparer.Ordinal)
        { "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM" };

    /// <summary>Every variable of this process the hook must not see, set to null (CliWrap otherwise inherits them).</summary>
    private static IEnumerable<string> NotPassed() =>
        System.Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => !Passed.Contains(name) && !name.StartsWith("LC_", StringComparison.Ordinal));

    public sealed record Switched(FollowEntry Entry, int Version, string Digest, string Path, string Current, string? Previous);

    /// <summary>Runs the hook; throws <see cref="OperationFailedException"/> when it fails or times out.</summary>
    public async Task RunAsync(Switched s, CancellationToken ct)
    {
        var model = s.Entry.Model;
        var env = EnvironmentFor(s);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(hook.TimeoutSeconds));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var command = Cli.Wrap(hook.Command[0]).WithArguments(hook.Command.Skip(1))
            .WithWorkingDirectory(root)
            .WithEnvironmentVariables(env)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => reporter.Output(model, line)))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(line => reporter.Output(model, line)))
            .WithValidation(CommandResultValidation.None);
        var what = $"{model}: the hook '{string.Join(' ', hook.Command)}'";
        CommandResult result;
        try
        {
            result = await command.ExecuteAsync(linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new OperationFailedException($"{what} ran past its timeout of {hook.TimeoutSeconds}s and was killed; the switch to v{s.Version} stays and the hook runs again at the next pass. Fix: make the hook faster or raise hook.timeoutSeconds.") { Model = model };
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new OperationFailedException($"{what} could not be started ({ex.Message}); the switch to v{s.Version} stays and the hook runs again at the next pass. Fix: check hook.command in the sync file and that the program is installed.") { Model = model };
        }
        if (result.ExitCode != 0)
            throw new OperationFailedException($"{what} exited with code {result.ExitCode}; the switch to v{s.Version} stays and the hook runs again at the next pass. Fix: see the hook's output above.") { Model = model };
        reporter.Info(model, $"hook ran for v{s.Version} ({result.RunTime.TotalSeconds:F1}s)");
    }

    /// <summary>The hook's (and the health command's) environment: the allow-list, the MODELPIPE_SYNC_* values, nothing else.</summary>
    internal static Dictionary<string, string?> EnvironmentFor(Switched s)
    {
        var model = s.Entry.Model;
        var env = NotPassed().ToDictionary(name => name, _ => (string?)null, StringComparer.Ordinal);
        foreach (var (name, value) in new Dictionary<string, string?>
        {
            ["MODELPIPE_SYNC_MODEL"] = model,
            ["MODELPIPE_SYNC_ENTRY"] = s.Entry.Text,
            ["MODELPIPE_SYNC_VERSION"] = s.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["MODELPIPE_SYNC_DIGEST"] = s.Digest,
            ["MODELPIPE_SYNC_PATH"] = s.Path,
            ["MODELPIPE_SYNC_CURRENT"] = s.Current,
            ["MODELPIPE_SYNC_PREVIOUS"] = s.Previous ?? "",
        }) env[name] = value;
        return env;
    }
}
