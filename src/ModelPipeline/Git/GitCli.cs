using System.Text;
using CliWrap;
using CliWrap.Buffered;
using ModelPipeline.Errors;

namespace ModelPipeline.Git;

/// <summary>
/// Runs the real <c>git</c> CLI through CliWrap: an argument array (no shell), no prompts,
/// credentials through the environment only, stderr redacted into failures.
/// </summary>
public sealed class GitCli
{
    private readonly IReadOnlyList<GitCredential> _credentials;

    public GitCli(IReadOnlyList<GitCredential>? credentials = null)
    {
        _credentials = credentials ?? [];
        foreach (var c in _credentials) Errors.Redactor.Register(c.Token);
    }

    public async Task<string> RunAsync(string? workDir, IEnumerable<string> args, CancellationToken ct = default) =>
        await RunAsync(workDir, args, stdout: null, ct);

    public Task<string> RunAsync(string? workDir, IEnumerable<string> args, Stream? stdout, CancellationToken ct = default) =>
        RunAsync(workDir, args, stdout, stdin: null, ct);

    /// <param name="stdin">Text for git's standard input (e.g. the object names of <c>cat-file --batch</c>).</param>
    public async Task<string> RunAsync(string? workDir, IEnumerable<string> args, Stream? stdout, string? stdin, CancellationToken ct = default)
    {
        var argList = args.ToList();
        var stderr = new StringBuilder();
        var output = new StringBuilder();
        var cmd = Cli.Wrap("git")
            .WithArguments(argList)
            .WithWorkingDirectory(workDir ?? Directory.GetCurrentDirectory())
            .WithEnvironmentVariables(Environment())
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr))
            .WithStandardOutputPipe(stdout is null ? PipeTarget.ToStringBuilder(output) : PipeTarget.ToStream(stdout))
            .WithStandardInputPipe(stdin is null ? PipeSource.Null : PipeSource.FromString(stdin, new UTF8Encoding(false)))
            .WithValidation(CommandResultValidation.None);
        CommandResult result;
        try
        {
            result = await cmd.ExecuteAsync(ct);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new OperationFailedException($"git could not be started ({ex.Message}). Fix: install git (apt-get install -y git).");
        }
        if (result.ExitCode != 0)
        {
            throw new GitException(
                $"git {Errors.Redactor.Redact(string.Join(' ', argList.Take(3)))} failed (exit {result.ExitCode}): {Errors.Redactor.Redact(stderr.ToString().Trim())}",
                result.ExitCode, Errors.Redactor.Redact(stderr.ToString()));
        }
        return output.ToString();
    }

    private Dictionary<string, string?> Environment()
    {
        var env = new Dictionary<string, string?>
        {
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["GIT_ASKPASS"] = "/bin/false",
            ["SSH_ASKPASS"] = "/bin/false",
            ["GCM_INTERACTIVE"] = "never",
            ["LC_ALL"] = "C",
        };
        env["GIT_CONFIG_COUNT"] = _credentials.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < _credentials.Count; i++)
        {
            env[$"GIT_CONFIG_KEY_{i}"] = $"http.{_credentials[i].UrlPrefix}.extraHeader";
            env[$"GIT_CONFIG_VALUE_{i}"] = _credentials[i].Header();
        }
        return env;
    }
}

/// <summary>A git command that exited non-zero; the message carries its redacted stderr.</summary>
public sealed class GitException(string message, int exitCode, string stderr) : OperationFailedException(message)
{
    public int GitExitCode { get; } = exitCode;

    public string StandardError { get; } = stderr;
}
