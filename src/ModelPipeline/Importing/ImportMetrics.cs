using System.Text.Json;
using ModelPipeline.Errors;

namespace ModelPipeline.Importing;

/// <summary><c>--metrics FILE</c>: a JSON object of numbers that becomes the imported model's metrics.json.</summary>
internal static class ImportMetrics
{
    private const long MaxBytes = 1024 * 1024;

    /// <summary>Checks the file before anything is copied; returns its full path.</summary>
    public static string Check(string model, string file)
    {
        var path = Path.GetFullPath(file);
        string? why = null;
        if (!File.Exists(path)) why = "no such file";
        else if (new FileInfo(path).Length > MaxBytes) why = $"larger than {MaxBytes} bytes";
        else
        {
            try
            {
                using var stream = File.OpenRead(path);
                using var doc = JsonDocument.Parse(stream);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) why = "not a JSON object";
            }
            catch (JsonException ex)
            {
                why = $"not valid JSON ({ex.Message})";
            }
        }
        return why is null ? path : throw new InvalidInputException($"model '{model}': --metrics {file}: {why}; nothing was imported. " +
            "Fix: pass a JSON object of metric names and numbers, e.g. {\"accuracy\": 0.97}.") { Model = model };
    }

    /// <summary>Adds the metrics as metrics.json; refuses when the imported files already have one.</summary>
    public static void Add(string model, string path, string staging)
    {
        var target = Path.Combine(staging, "metrics.json");
        if (File.Exists(target))
            throw new InvalidInputException($"model '{model}': --metrics is given, but the imported files already hold a metrics.json; " +
                "nothing was imported. Fix: leave out --metrics to keep the source's metrics, or remove it from the source.")
                { Model = model };
        File.Copy(path, target);
    }
}
