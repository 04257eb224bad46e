using System.Collections;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ModelPipeline.Ci;

/// <summary>An ordered YAML mapping for generated CI files (keys keep the order they were added in).</summary>
public sealed class YamlMap : IEnumerable<KeyValuePair<string, object?>>
{
    private readonly List<KeyValuePair<string, object?>> entries = [];

    public void Add(string key, object? value)
    {
        if (value is not null) entries.Add(new(key, value)); // null means "leave the key out"
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A scalar with a comment after it on the same line (e.g. the readable tag of a pinned action).</summary>
public sealed record Commented(object Value, string Comment);

/// <summary>
/// Writes generated CI documents through YamlDotNet's emitter: strings that YAML would read as
/// something else (yes, on, null, 1.0, ...) are quoted, multi-line strings are literal blocks,
/// LF line endings, a header comment. The same tree always gives the same bytes.
/// </summary>
public static partial class CiYaml
{
    public static string Write(IReadOnlyList<string> header, params object[] documents)
    {
        var writer = new StringWriter { NewLine = "\n" };
        foreach (var line in header) writer.Write(line.Length == 0 ? "#\n" : $"# {line}\n");
        var emitter = new Emitter(writer, new EmitterSettings(2, int.MaxValue, false, 1024, false, true, "\n"));
        emitter.Emit(new StreamStart());
        for (var i = 0; i < documents.Length; i++)
        {
            emitter.Emit(new DocumentStart(null, null, i == 0));
            Node(emitter, documents[i]);
            emitter.Emit(new DocumentEnd(true));
        }
        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    private static void Node(IEmitter emitter, object? value)
    {
        switch (value)
        {
            case YamlMap map:
                emitter.Emit(new MappingStart(null, null, true, MappingStyle.Block));
                foreach (var (key, item) in map)
                {
                    Scalar(emitter, key);
                    Node(emitter, item);
                }
                emitter.Emit(new MappingEnd());
                break;
            case Commented commented:
                Node(emitter, commented.Value);
                emitter.Emit(new Comment(commented.Comment, true));
                break;
            case string text:
                Scalar(emitter, text);
                break;
            case bool flag:
                emitter.Emit(new Scalar(null, null, flag ? "true" : "false", ScalarStyle.Plain, true, false));
                break;
            case int or long:
                emitter.Emit(new Scalar(null, null, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!, ScalarStyle.Plain, true, false));
                break;
            case IEnumerable items:
                emitter.Emit(new SequenceStart(null, null, true, SequenceStyle.Block));
                foreach (var item in items) Node(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            default:
                throw new ArgumentException($"cannot write {value?.GetType().Name ?? "null"} as YAML");
        }
    }

    private static void Scalar(IEmitter emitter, string text)
    {
        var style = text.Contains('\n', StringComparison.Ordinal) ? ScalarStyle.Literal
            : text.Length == 0 || ReadsAsNonString(text) ? ScalarStyle.DoubleQuoted
            : ScalarStyle.Any;
        emitter.Emit(new Scalar(null, null, text, style, true, style != ScalarStyle.Plain));
    }

    /// <summary>Whether a plain scalar with this text would be read by YAML 1.1 or 1.2 as a boolean, null or number.</summary>
    public static bool ReadsAsNonString(string text) => NotAString().IsMatch(text);

    /// <summary>Plain scalars YAML 1.1 or 1.2 would read as booleans, null or numbers.</summary>
    [GeneratedRegex(@"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|~|null|Null|NULL|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[0-9]+(?::[0-5]?[0-9])+)$")]
    private static partial Regex NotAString();
}
