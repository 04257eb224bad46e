using System.Text;
using CliWrap;
using CliWrap.Buffered;
using ModelPipeline.Errors;

namespace ModelPipeline.Git;

/// <summary>
/// Runs the real <c>git</c> CLI through CliWrap: an argument array (no shell), no prompts,
/// credentials through the environment only, stderr redacted into failures.
/// </summary>
public sealed partial class GitCli
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
            if (AuthFailure(stderr.ToString()) is { } auth)
                throw new GitException(
                    $"git {Errors.Redactor.Redact(string.Join(' ', argList.Take(3)))} failed (exit {result.ExitCode}): {auth}",
                    result.ExitCode, auth);
            throw new GitException(
                $"git {Errors.Redactor.Redact(string.Join(' ', argList.Take(3)))} failed (exit {result.ExitCode}): {Errors.Redactor.Redact(stderr.ToString().Trim())}",
                result.ExitCode, Errors.Redactor.Redact(stderr.ToString()));
        }
        return output.ToString();
    }

    /// <summary>
    /// Git's words for a server that refused the credentials (it then asks the askpass helper, which
    /// is /bin/false here: "unable to read askpass response", "could not read Username") turned into
    /// one sentence naming the server, the HTTP status and the environment variable to check.
    /// </summary>
    internal string? AuthFailure(string stderr)
    {
        var asked = AskedFor().Match(stderr);
        var status = HttpError().Match(stderr);
        var refused = status.Success && status.Groups[1].Value is "401" or "403";
        if (!asked.Success && !refused && !stderr.Contains("Authentication failed", StringComparison.Ordinal)) return null;
        var server = asked.Success ? asked.Groups[1].Value : "the git server";
        var code = status.Success ? status.Groups[1].Value : "401";
        var credential = _credentials.FirstOrDefault(c =>
                asked.Success && c.UrlPrefix.StartsWith(server, StringComparison.OrdinalIgnoreCase))
            ?? (_credentials.Count == 1 ? _credentials[0] : null);
        var check = credential?.Variable is { } variable
            ? $"check the token in {variable} (named by tokenEnv), which must be valid and may read and write that repository"
            : "this remote needs a token: name the variable that holds it in the remote's tokenEnv, and export it";
        return Errors.Redactor.Redact(
            $"{server} refused the credentials (HTTP {code}; git may not prompt for others): {check}");
    }

    [System.Text.RegularExpressions.GeneratedRegex("could not read (?:Username|Password) for '([^']+)'")]
    private static partial System.Text.RegularExpressions.Regex AskedFor();

    [System.Text.RegularExpressions.GeneratedRegex("The requested URL returned error: (\\d{3})")]
    private static partial System.Text.RegularExpressions.Regex HttpError();

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
