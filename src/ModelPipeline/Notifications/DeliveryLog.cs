using System.Text;
using System.Text.Json;
using ModelPipeline.RunState;

namespace ModelPipeline.Notifications;

/// <summary>
/// The delivery log in the run state: one JSON line per delivery (<c>artifacts/notifications/deliveries.jsonl</c>
/// for the pipeline, <c>ROOT/.sync/deliveries.jsonl</c> on a serving host). It names the webhook and the
/// URL's origin, never its path, a secret or a signature.
/// </summary>
public static class DeliveryLog
{
    public const string FileName = "deliveries.jsonl";

    internal static readonly JsonSerializerOptions Line = new(RunStateStore.Json) { WriteIndented = false };
    private static readonly Lock Gate = new();

    /// <summary>Appends one line: a single append-mode write, so lines of processes writing at once never interleave.</summary>
    public static void Append(string path, DeliveryRecord record)
    {
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record, Line) + "\n");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        lock (Gate)
        {
            using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            stream.Write(bytes);
        }
    }

    /// <summary>Every readable line, oldest first (an unreadable line, e.g. cut by a crash, is skipped).</summary>
    public static IReadOnlyList<DeliveryRecord> Read(string path)
    {
        if (!File.Exists(path)) return [];
        var records = new List<DeliveryRecord>();
        foreach (var text in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(text)) continue;
            try
            {
                if (JsonSerializer.Deserialize<DeliveryRecord>(text, RunStateStore.Json) is { } r) records.Add(r);
            }
            catch (JsonException)
            {
                // a line cut short by a killed process
            }
        }
        return records;
    }
}

/// <summary>One delivery as the log records it.</summary>
public sealed record DeliveryRecord
{
    public required string Id { get; init; }
    public required string Event { get; init; }
    public required DateTimeOffset At { get; init; }
    public string? Model { get; init; }
    public int? Version { get; init; }

    /// <summary>The webhook's name (or its URL's origin).</summary>
    public required string Webhook { get; init; }

    /// <summary>The URL's scheme, host and port only.</summary>
    public string? Target { get; init; }

    public required string Format { get; init; }

    /// <summary>delivered or failed.</summary>
    public required string Result { get; init; }

    public int Attempts { get; init; }

    /// <summary>The last HTTP status received, if any.</summary>
    public int? Status { get; init; }

    public string? Error { get; init; }
    public string? RunId { get; init; }
    public string? Host { get; init; }
}
