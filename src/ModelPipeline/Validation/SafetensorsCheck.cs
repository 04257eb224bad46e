using System.Buffers.Binary;
using System.Text.Json;

namespace ModelPipeline.Validation;

/// <summary>
/// The gate for <c>"format": "safetensors"</c>: every <c>*.safetensors</c> file has a valid header
/// (8-byte little-endian length, then a JSON object whose tensors' <c>data_offsets</c> lie inside the
/// file). Only the header is read, never the weights.
/// </summary>
public static class SafetensorsCheck
{
    private const long MaxHeaderBytes = 100 * 1024 * 1024;

    public static CheckResult Run(string output, IReadOnlyList<FileEntry> manifest)
    {
        var files = manifest.Where(f => f.Path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)).ToList();
        if (files.Count == 0)
            return new CheckResult("safetensors", false, "no *.safetensors file, though $.artifacts.format is \"safetensors\"");
        var problems = new List<string>();
        var tensors = 0;
        foreach (var file in files)
        {
            var (count, problem) = Header(Path.Combine(output, file.Path));
            if (problem is not null) problems.Add($"{file.Path}: {problem}");
            tensors += count;
        }
        return problems.Count == 0
            ? new CheckResult("safetensors", true, $"{files.Count} file(s), {tensors} tensor(s), headers valid")
            : new CheckResult("safetensors", false, string.Join("; ", problems));
    }

    private static (int Tensors, string? Problem) Header(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        Span<byte> prefix = stackalloc byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8) return (0, "shorter than the 8-byte header length");
        var length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (length > MaxHeaderBytes || (long)length > stream.Length - 8)
            return (0, $"header length {length} is past the end of the file or over {MaxHeaderBytes} bytes");
        var header = new byte[length];
        stream.ReadExactly(header);
        var data = stream.Length - 8 - (long)length;
        try
        {
            using var doc = JsonDocument.Parse(header);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return (0, "the header is not a JSON object");
            var count = 0;
            foreach (var tensor in doc.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__"))
            {
                count++;
                if (tensor.Value.ValueKind != JsonValueKind.Object
                    || !tensor.Value.TryGetProperty("data_offsets", out var offsets) || offsets.GetArrayLength() != 2
                    || offsets[0].GetInt64() > offsets[1].GetInt64() || offsets[1].GetInt64() > data)
                    return (count, $"tensor '{tensor.Name}' has no data_offsets inside the file's {data} data bytes");
            }
            return (count, null);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return (0, $"the header is not valid safetensors JSON ({ex.Message})");
        }
    }
}
