namespace ModelPipeline.Serving;

/// <summary>
/// <c>sync.json</c> (schema: <c>pipelines/serving/sync.schema.json</c>): what a serving host follows
/// in the zoo and where it serves it. Paths are absolute once loaded.
/// </summary>
public sealed record SyncFile
{
    /// <summary>The file it was read from (absolute).</summary>
    public required string Path { get; init; }

    public required SyncZoo Zoo { get; init; }

    /// <summary>The serving root (absolute).</summary>
    public required string Root { get; init; }

    public required IReadOnlyList<FollowEntry> Follow { get; init; }

    public int Keep { get; init; } = 1;

    /// <summary>An OCI image layout to read images from (absolute), or null: the registry each image was pushed to.</summary>
    public string? Layout { get; init; }

    public SyncHook? Hook { get; init; }

    public SyncFiles Files { get; init; } = new();

    public SyncSchedule Schedule { get; init; } = new();

    /// <summary>Webhooks told about switches and failures of this host.</summary>
    public Notifications.NotificationSettings Notifications { get; init; } = new();

    /// <summary>This host's name in events and the fleet record: <c>fleet.host</c>, else the machine's name.</summary>
    public string Host { get; init; } = "localhost";

    /// <summary>Checked after a switch; a failure switches back (null: no check).</summary>
    public SyncHealth? Health { get; init; }

    /// <summary>Where this host reports what it serves (null: it does not).</summary>
    public SyncFleet? Fleet { get; init; }
}

public sealed record SyncZoo
{
    /// <summary>A git URL, or an absolute path.</summary>
    public required string Url { get; init; }

    public string? TokenEnv { get; init; }

    public string Branch { get; init; } = "main";
}

/// <summary>One <c>NAME@REF</c> line of <c>follow</c>.</summary>
public sealed record FollowEntry
{
    public required string Text { get; init; }
    public required string Model { get; init; }
    public required string Reference { get; init; }
}

/// <summary>The fleet record: a git repository (or branch) this host may write, never the zoo.</summary>
public sealed record SyncFleet
{
    /// <summary>A git URL, or an absolute path.</summary>
    public required string Url { get; init; }

    public string? TokenEnv { get; init; }

    public string Branch { get; init; } = "main";

    public required string Host { get; init; }
}

/// <summary>The health check after a switch: a command (exit 0) or a URL (2xx), tried <see cref="Attempts"/> times.</summary>
public sealed record SyncHealth
{
    public IReadOnlyList<string>? Command { get; init; }
    public string? Url { get; init; }
    public int TimeoutSeconds { get; init; } = 30;
    public int Attempts { get; init; } = 3;
    public int DelaySeconds { get; init; } = 2;
}

public sealed record SyncHook
{
    public required IReadOnlyList<string> Command { get; init; }
    public int TimeoutSeconds { get; init; } = 60;
}

public sealed record SyncFiles
{
    /// <summary>Octal mode of every file (e.g. 0640), or null to leave files as extracted.</summary>
    public UnixFileMode? Mode { get; init; }

    public string? Group { get; init; }
}

public sealed record SyncSchedule
{
    public string Cron { get; init; } = "*/5 * * * *";
    public string TimeZone { get; init; } = "UTC";
    public int JitterSeconds { get; init; }
}
