namespace ModelPipeline.Git;

/// <summary>
/// An HTTP credential for one git remote, read from an environment variable by the caller.
/// It reaches git only through <c>GIT_CONFIG_*</c> environment entries scoped to the remote's
/// URL (<c>http.&lt;url&gt;.extraHeader</c>): never in argv, a remote URL or <c>.git/config</c>.
/// </summary>
public sealed record GitCredential
{
    /// <summary>The URL prefix the header is sent to (scheme://host[:port]/...).</summary>
    public required string UrlPrefix { get; init; }

    public string Username { get; init; } = "x-access-token";

    public required string Token { get; init; }

    /// <summary>The environment variable the token came from (named in messages, never its value).</summary>
    public string? Variable { get; init; }

    internal string Header() =>
        "Authorization: Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Username}:{Token}"));
}
