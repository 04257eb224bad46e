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
        var result = UserInfo().Replace(text, "$1***@");
        lock (Gate)
        {
            foreach (var secret in Secrets)
                result = result.Replace(secret, "***", StringComparison.Ordinal);
        }
        return result;
    }

    [GeneratedRegex(@"(\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")]
    private static partial Regex UserInfo();
}
