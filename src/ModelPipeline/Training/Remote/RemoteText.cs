using System.Text.RegularExpressions;
using ModelPipeline.Errors;

namespace ModelPipeline.Training.Remote;

/// <summary>
/// What a remote answer may put into a message, a log line or a run record: ids checked against a
/// strict pattern before they reach a path or URL, and quoted text cut to a bounded length.
/// </summary>
public static partial class RemoteText
{
    /// <summary>The most characters of a remote answer any message quotes.</summary>
    public const int MaxQuote = 300;

    /// <summary>A remote answer cut to <paramref name="max"/> characters, without control characters.</summary>
    public static string Quote(string? text, int max = MaxQuote)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var head = text.Length > max ? text[..max] : text;
        head = Controls().Replace(head, " ");
        return text.Length > max ? $"{head}… ({text.Length:N0} characters in all)" : head;
    }

    /// <summary>
    /// Returns <paramref name="id"/> when it is 1-128 letters, digits, '.', '_' or '-' starting with a
    /// letter or digit; otherwise fails: an id a service returns goes into file names and URLs.
    /// </summary>
    public static string Id(string? id, string service, string what, string model)
    {
        if (id is not null && IdPattern().IsMatch(id)) return id;
        throw new OperationFailedException(
            $"model '{model}': {service} answered a {what} '{Quote(id, 80)}' that is not a valid id " +
            "(1-128 letters, digits, '.', '_' or '-'); it was not used in any path or URL. " +
            "Fix: check that the configured endpoint is the real service.")
        { Model = model };
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"[\p{Cc}]+")]
    private static partial Regex Controls();
}

/// <summary>
/// The output of a finished remote run was refused (wrong digest, hostile archive, an artifact URL
/// that answered 4xx, over a size cap): that run is marked unusable and the next Train submits anew.
/// </summary>
public sealed class RefusedOutputException(string message, Exception? inner = null)
    : OperationFailedException(message, inner);
