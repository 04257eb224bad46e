using System.Text.Json;
using ModelPipeline.RunState;

namespace ModelPipeline.Serving;

/// <summary>
/// One serving host in the fleet record: <c>hosts/&lt;host&gt;.json</c> on the fleet repository's branch, written by
/// that host only (one file per host, so hosts pushing at once never touch each other's record).
/// </summary>
public sealed record FleetHostRecord
{
    public const string Folder = "hosts";

    public int SchemaVersion { get; init; } = 1;
    public required string Host { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The sync file's schedule: the report calls a host stale after N of them pass without a pass.</summary>
    public required SyncSchedule Schedule { get; init; }

    public PassSummary? LastPass { get; init; }
    public string? LastError { get; init; }
    public IReadOnlyList<FleetEntry> Models { get; init; } = [];

    public static string PathFor(string root, string host) => Path.Combine(root, Folder, host + ".json");

    /// <summary>Every host record under a fleet working tree; a file that does not parse is reported, not fatal.</summary>
    public static IReadOnlyList<FleetHostRecord> ReadAll(string root, ICollection<string> problems)
    {
        var dir = Path.Combine(root, Folder);
        if (!Directory.Exists(dir)) return [];
        var records = new List<FleetHostRecord>();
        foreach (var file in Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                using var stream = File.OpenRead(file);
                if (JsonSerializer.Deserialize<FleetHostRecord>(stream, RunStateStore.Json) is { } r) records.Add(r);
            }
            catch (Exception ex) when (ex is JsonException or IOException)
            {
                problems.Add($"fleet record {Folder}/{Path.GetFileName(file)}: unreadable ({ex.Message})");
            }
        }
        return records;
    }
}

/// <summary>What a host serves of one followed entry, as its status.json says after the pass.</summary>
public sealed record FleetEntry
{
    public required string Model { get; init; }

    /// <summary>NAME@REF as the sync file follows it.</summary>
    public required string Entry { get; init; }

    public int? Version { get; init; }
    public string? Digest { get; init; }

    /// <summary>The version folder current points to (vN-digest12).</summary>
    public string? Serving { get; init; }

    public DateTimeOffset? SwitchedAt { get; init; }

    /// <summary>switched, unchanged, failed or reverted.</summary>
    public string? Result { get; init; }

    public string? LastError { get; init; }
    public DateTimeOffset? CheckedAt { get; init; }

    /// <summary>A version the health check refused, not tried again until the entry resolves to another digest.</summary>
    public RejectedVersion? Rejected { get; init; }
}
