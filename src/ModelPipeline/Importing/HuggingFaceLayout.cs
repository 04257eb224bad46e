using System.Text.Json;
using ModelPipeline.Errors;

namespace ModelPipeline.Importing;

/// <summary>
/// A Hugging Face-style folder: <c>config.json</c> at the top beside weights files (<c>*.safetensors</c>,
/// <c>pytorch_model*.bin</c>, …) and tokenizer files. Recognised by its top-level config.json; read
/// from disk only, never from the Hub.
/// </summary>
internal static class HuggingFaceLayout
{
    private static readonly string[] WeightExtensions = [".safetensors", ".bin", ".onnx", ".gguf", ".pt", ".pth", ".h5", ".msgpack"];
    private static readonly string[] TokenizerFiles =
        ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "vocab.json", "merges.txt"];
    private const long MaxConfigBytes = 16 * 1024 * 1024;

    /// <summary>Null when <paramref name="dir"/> is not Hugging Face-style; else what it holds. Throws on a broken config.json.</summary>
    public static string? Describe(string model, string dir)
    {
        var config = Path.Combine(dir, "config.json");
        if (!File.Exists(config)) return null;
        var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).ToList();
        var weights = files.Where(f => WeightExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).ToList();
        if (weights.Count == 0) return null; // a config.json alone does not make a Hugging Face model folder
        string? why = null;
        if (new FileInfo(config).Length > MaxConfigBytes) why = $"it is larger than {MaxConfigBytes} bytes";
        else
        {
            try
            {
                using var stream = File.OpenRead(config);
                using var doc = JsonDocument.Parse(stream);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) why = "it is not a JSON object";
            }
            catch (JsonException ex)
            {
                why = $"it is not valid JSON ({ex.Message})";
            }
        }
        if (why is not null)
            throw new InvalidInputException($"model '{model}': the imported folder is Hugging Face-style (config.json beside " +
                $"{weights.Count} weights file(s)), but its config.json cannot be read: {why}; nothing was imported. " +
                "Fix: import the folder with the model's own config.json.") { Model = model };
        var tokenizer = files.Count(f => TokenizerFiles.Contains(Path.GetFileName(f)) || f.EndsWith(".model", StringComparison.Ordinal));
        return $"Hugging Face-style folder: config.json, {weights.Count} weights file(s), {tokenizer} tokenizer file(s)";
    }
}
