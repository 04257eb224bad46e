using System.Text.RegularExpressions;

namespace ModelPipeline.Errors;

/// <summary>
/// Removes secrets from text before it is printed or stored: the values of registered secrets
/// (tokens read from the environment) and credentials embedded in URLs.
/// </summary>
public static partial class Redactor
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<string> Secrets = new(StringComparer.Ordinal);

    /// <summary>Registers a secret value so every later <see cref="Redact"/> hides it.</summary>
    public static void Register(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < 4) return;
        lock (Gate) Secrets.Add(secret);
    }

    public static string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        var result = MayHoldUserInfo(text) ? UserInfo().Replace(text, "$1***@") : text;
        lock (Gate)
        {
            foreach (var secret in Secrets)
                result = result.Replace(secret, "***", StringComparison.Ordinal);
        }
        return result;
    }

    /// <summary>
    /// Whether some "://" is followed by characters up to an '@' before any '/': only then can the pattern below match,
    /// so only then is it run. A 1,000-model run journals 10 MB of records full of URLs without user info, and the
    /// pattern tries every word there as a scheme (a third of a second per run); finding "://" is a vectorised search.
    /// </summary>
    private static bool MayHoldUserInfo(string text)
    {
        for (var at = text.IndexOf("://", StringComparison.Ordinal); at >= 0;
             at = text.IndexOf("://", at + 3, StringComparison.Ordinal))
        {
            var end = text.AsSpan(at + 3).IndexOfAny('/', '@');
            if (end > 0 && text[at + 3 + end] == '@') return true;
        }
        return false;
    }

    [GeneratedRegex(@"(\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")]
    private static partial Regex UserInfo();
}
