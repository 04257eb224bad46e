using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace ModelPipeline.Models;

/// <summary>
/// Reads the definition files people write (<c>model.json</c>, <c>pipeline.json</c>) within fixed
/// limits, before anything parses them: at most <see cref="MaxBytes"/> bytes (a bigger file is
/// never read whole), strict UTF-8 (an invalid byte is an error with its offset, never replaced
/// by U+FFFD), and every string at most <see cref="MaxStringLength"/> characters.
/// </summary>
public static class DefinitionFile
{
    /// <summary>The largest definition file accepted: 1 MiB.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>The longest string value accepted (characters), e.g. a description.</summary>
    public const int MaxStringLength = 8192;

    /// <summary>The longest property name accepted (characters), e.g. a hyperparameter or metric name.</summary>
    public const int MaxNameLength = 256;

    /// <summary>
    /// The file's text, or null with <paramref name="problem"/> (a sentence without the file name,
    /// ending with a fix) when it is too big or not valid UTF-8. A UTF-8 byte order mark is skipped.
    /// </summary>
    public static string? TryRead(string path, out string? problem)
    {
        problem = null;
        var buffer = ArrayPool<byte>.Shared.Rent(MaxBytes + 1);
        try
        {
            int length;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0))
            {
                if (stream.CanSeek && stream.Length > MaxBytes)
                {
                    problem = TooBig($"{stream.Length} bytes");
                    return null;
                }
                // Read at most one byte past the limit: a file that grows (or a device) is never read whole.
                length = 0;
                int read;
                while (length <= MaxBytes && (read = stream.Read(buffer, length, MaxBytes + 1 - length)) > 0) length += read;
            }
            if (length > MaxBytes)
            {
                problem = TooBig("more than 1 MiB");
                return null;
            }
            return Decode(buffer.AsSpan(0, length), out problem);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string TooBig(string size) =>
        $"the file is {size}, over the limit of {MaxBytes} bytes (1 MiB) for a definition file; it was not read. Fix: keep data, weights and long text out of the definition (reference them as files or URLs).";

    /// <summary>Strict UTF-8: the offset of the first invalid byte is reported, nothing is replaced.</summary>
    internal static string? Decode(ReadOnlySpan<byte> bytes, out string? problem)
    {
        problem = null;
        var start = bytes.StartsWith("\uFEFF"u8) ? 3 : 0;
        var chars = new char[bytes.Length - start];
        var status = Utf8.ToUtf16(bytes[start..], chars, out var read, out var written, replaceInvalidSequences: false);
        if (status == System.Buffers.OperationStatus.Done) return new string(chars, 0, written);

        var offset = start + read;
        var line = bytes[..offset].Count((byte)'\n') + 1;
        var shown = Convert.ToHexString(bytes.Slice(offset, Math.Min(4, bytes.Length - offset)));
        problem = $"invalid UTF-8 at byte offset {offset} (line {line}): bytes 0x{shown} are not a UTF-8 character. Fix: save the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8).";
        return null;
    }

    /// <summary>Adds a problem (with its JSON path) for every string or property name over the limits.</summary>
    public static void CheckStrings(JsonElement element, string path, Action<string, string> problem)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                var length = element.GetString()!.Length;
                if (length > MaxStringLength)
                    problem(path, $"a string of {length} characters, over the limit of {MaxStringLength}. Fix: shorten it (long text belongs in a file of the model folder).");
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name.Length > MaxNameLength)
                    {
                        problem(path, $"a property name of {property.Name.Length} characters ('{property.Name[..40]}…'), over the limit of {MaxNameLength}. Fix: use a shorter name.");
                        continue;
                    }
                    CheckStrings(property.Value, $"{path}.{property.Name}", problem);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray()) CheckStrings(item, $"{path}[{i++}]", problem);
                break;
        }
    }
}
