using ModelPipeline.Errors;

namespace ModelPipeline.Git;

/// <summary>
/// A git remote as configured: a URL without credentials (or a local path, made absolute) and the
/// credential read from the environment variable the configuration names.
/// </summary>
public sealed record GitRemote
{
    public required string Name { get; init; }

    /// <summary>The URL git is given: a network URL as configured, or an absolute local path.</summary>
    public required string Url { get; init; }

    public GitCredential? Credential { get; init; }

    public bool IsLocal => !Url.Contains("://", StringComparison.Ordinal) || Url.StartsWith("file://", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Checks a configured URL and resolves its token. Rejects embedded credentials, control
    /// characters and option-like values (exit 2, naming <paramref name="field"/>); a local path is
    /// resolved against <paramref name="baseDir"/>.
    /// </summary>
    public static GitRemote Create(string name, string url, string? tokenEnv, string field, string baseDir)
    {
        var problem = Check(url);
        if (problem is not null)
            throw new InvalidInputException($"{field}: {problem}. Fix: give a plain git URL or path, and put the token in an environment variable named by tokenEnv.");
        var resolved = url.Contains("://", StringComparison.Ordinal) || IsScpLike(url) ? url : Path.GetFullPath(Path.Combine(baseDir, url));
        GitCredential? credential = null;
        if (!string.IsNullOrEmpty(tokenEnv))
        {
            var token = Environment.GetEnvironmentVariable(tokenEnv);
            if (string.IsNullOrEmpty(token))
                throw new InvalidInputException($"{field}: the environment variable {tokenEnv} (named by tokenEnv) is not set. Fix: export {tokenEnv}=<token> or remove tokenEnv.");
            if (resolved.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || resolved.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                credential = new GitCredential { UrlPrefix = resolved, Token = token, Variable = tokenEnv };
            else
                Redactor.Register(token);
        }
        return new GitRemote { Name = name, Url = resolved, Credential = credential };
    }

    /// <summary>Why a URL may not be used, or null when it is acceptable.</summary>
    public static string? Check(string url)
    {
        if (string.IsNullOrWhiteSpace(url)) return "the URL is empty";
        if (url.Any(char.IsControl)) return "the URL contains control characters";
        if (url.StartsWith('-')) return "the URL starts with '-' (it would be read as a git option)";
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0)
        {
            var rest = url[(scheme + 3)..];
            var authority = rest.Split('/', 2)[0];
            var at = authority.LastIndexOf('@');
            if (at >= 0)
            {
                var http = url.StartsWith("http", StringComparison.OrdinalIgnoreCase);
                if (http || authority[..at].Contains(':'))
                    return $"the URL {Redactor.Redact(url)} embeds credentials (user info before '@'); credentials never go into URLs";
            }
        }
        return null;
    }

    private static bool IsScpLike(string url)
    {
        var colon = url.IndexOf(':', StringComparison.Ordinal);
        var slash = url.IndexOf('/', StringComparison.Ordinal);
        return colon > 1 && (slash < 0 || colon < slash);
    }

    /// <summary>Creates a bare repository for a local remote under <paramref name="sandboxDir"/> that does not exist yet.</summary>
    public async Task EnsureSandboxAsync(GitCli git, string sandboxDir, string branch, CancellationToken ct)
    {
        if (!IsLocal || Url.StartsWith("file://", StringComparison.OrdinalIgnoreCase)) return;
        if (Directory.Exists(Url) || !Models.SafePath.IsInside(Path.GetFullPath(sandboxDir), Url)) return;
        var staging = Url + $".{Guid.NewGuid():N}.tmp";
        Directory.CreateDirectory(staging);
        try
        {
            await git.RunAsync(staging, ["init", "--bare", "--quiet", "--initial-branch", branch], ct);
            try
            {
                Directory.Move(staging, Url);
            }
            catch (IOException) when (Directory.Exists(Url))
            {
                // Another process created it first: use theirs.
            }
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }
}
