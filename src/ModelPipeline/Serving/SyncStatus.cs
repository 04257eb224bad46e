using ModelPipeline.RunState;

namespace ModelPipeline.Serving;

/// <summary>
/// <c>ROOT/.sync/status.json</c>: what a serving host serves and how its last pass went, for
/// monitoring. Written atomically after every pass (and by the daemon between passes).
/// </summary>
public sealed record SyncStatus
{
    public DateTimeOffset UpdatedAt { get; init; }
    public PassSummary? LastPass { get; init; }

    /// <summary>The last pass's first error, or null when it succeeded.</summary>
    public string? LastError { get; init; }

    public IReadOnlyList<EntryStatus> Entries { get; init; } = [];
    public DaemonStatus? Daemon { get; init; }
    public FleetPushStatus? Fleet { get; init; }

    public static SyncStatus Read(string path)
    {
        // An unreadable status (e.g. edited by hand) is replaced: the serving root itself is the truth.
        try
        {
            if (!File.Exists(path)) return new SyncStatus();
            using var stream = File.OpenRead(path);
            return System.Text.Json.JsonSerializer.Deserialize<SyncStatus>(stream, RunStateStore.Json) ?? new SyncStatus();
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or IOException)
        {
            return new SyncStatus();
        }
    }

    public void Write(string path) => RunStateStore.Write(path, this with { UpdatedAt = DateTimeOffset.UtcNow });
}

public sealed record PassSummary
{
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>0 every entry serves what it follows; 1 an operation failed; 2 invalid input; 130 interrupted.</summary>
    public required int ExitCode { get; init; }

    /// <summary>The zoo commit the pass read (null when the zoo was unreachable).</summary>
    public string? ZooCommit { get; init; }
}

/// <summary>One followed entry: the version it serves now and what happened to it last.</summary>
public sealed record EntryStatus
{
    public required string Entry { get; init; }
    public required string Model { get; init; }

    /// <summary>The version folder <c>current</c> points to (vN-digest12), or null.</summary>
    public string? Serving { get; init; }

    public int? Version { get; init; }
    public string? Digest { get; init; }
    public string? Path { get; init; }
    public DateTimeOffset? SwitchedAt { get; init; }

    /// <summary>The version folder the hook last succeeded for; the hook runs again while it differs from <see cref="Serving"/>.</summary>
    public string? HookRanFor { get; init; }

    /// <summary>switched, unchanged or failed.</summary>
    public string? Result { get; init; }

    public string? LastError { get; init; }

    /// <summary>The served version is deprecated or yanked (from the zoo's lifecycle.json), said on every pass.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Warning { get; init; }

    public DateTimeOffset? CheckedAt { get; init; }

    /// <summary>The version the health check refused last: not switched to again while the entry resolves to its digest.</summary>
    public RejectedVersion? Rejected { get; init; }
}

/// <summary>A version that failed the health check after a switch, and why.</summary>
public sealed record RejectedVersion
{
    public required int Version { get; init; }
    public required string Digest { get; init; }
    public required string Reason { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>The last push of this host's fleet record.</summary>
public sealed record FleetPushStatus
{
    public required DateTimeOffset At { get; init; }
    public string? Commit { get; init; }

    /// <summary>Why the last push failed (null: it succeeded); the next pass tries again.</summary>
    public string? Error { get; init; }
}

public sealed record DaemonStatus
{
    public required int Pid { get; init; }
    public required string Schedule { get; init; }

    /// <summary>waiting, running or stopped.</summary>
    public required string State { get; init; }

    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? NextPassAt { get; init; }
    public int Passes { get; init; }
    public DateTimeOffset? StoppedAt { get; init; }
}
