using System.Text.RegularExpressions;
using ModelPipeline.Errors;

namespace ModelPipeline.Zoo.Lifecycle;

/// <summary>The syntax of a tag: <c>key=value</c>, the key lower-case (<c>team</c>, <c>data.source</c>).</summary>
public static partial class TagSyntax
{
    public const int MaxValueLength = 256;

    public static bool IsKey(string key) => Key().IsMatch(key);

    /// <summary>Parses <c>key=value</c> (exit 2 with a Fix when it is not one).</summary>
    public static KeyValuePair<string, string> Parse(string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
            throw new InvalidInputException($"tag '{text}' has no '='. Fix: write key=value, e.g. team=vision "
                + $"(remove a tag with --remove KEY).");
        var (key, value) = (text[..eq], text[(eq + 1)..]);
        CheckKey(key, text);
        if (value.Length == 0 || value.Length > MaxValueLength || value.Any(char.IsControl) || value.Trim() != value)
            throw new InvalidInputException($"tag '{key}': the value must be 1 to {MaxValueLength} characters, "
                + $"without control characters "
                + "or surrounding spaces. Fix: write key=value, e.g. team=vision.");
        return new(key, value);
    }

    public static void CheckKey(string key, string? text = null)
    {
        if (!IsKey(key))
            throw new InvalidInputException($"tag key '{key}'{(text is null ? "" : $" (in '{text}')")} is "
                + $"invalid. Fix: start with a "
                + "lower-case letter, then lower-case letters, digits, '.', '_' or '-' (at most 63), e.g. "
                    + "team=vision.");
    }

    [GeneratedRegex("^[a-z][a-z0-9._-]{0,62}$")]
    private static partial Regex Key();
}
