namespace ModelPipeline.Retention;

/// <summary>How much history gc keeps besides what is referenced.</summary>
public sealed record GcOptions
{
    /// <summary>The newest N versions of each model are kept.</summary>
    public int KeepLast { get; init; } = 10;

    /// <summary>Only versions published more than this many days ago are collected.</summary>
    public int OlderThanDays { get; init; } = 30;

    /// <summary>The OCI layout of versions packaged into one (default <c>modelcar.layoutDir</c>).</summary>
    public string? LayoutDir { get; init; }
}

/// <summary>What gc decided for one version.</summary>
public sealed record GcVersion
{
    public required int Version { get; init; }
    public required string Digest { get; init; }

    /// <summary>collect, kept, or collected-earlier (the zoo already records its image as collected).</summary>
    public required string Action { get; init; }

    /// <summary>Why it is kept: "alias prod", "prod pin on main (frozen)", "one of the newest 3", …</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    public string? Store { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyList<string> Manifests { get; init; } = [];
    public long Bytes { get; init; }
}

/// <summary>gc's outcome for one model (also its <c>--json</c> row data).</summary>
public sealed record GcModelResult
{
    public required string Model { get; init; }
    public required bool DryRun { get; init; }
    public required IReadOnlyList<GcVersion> Versions { get; init; }

    /// <summary>Bytes deleted (OCI layout) or left for the registry's garbage collection to free.</summary>
    public long Bytes => Versions.Where(v => v.Action == "collect").Sum(v => v.Bytes);

    /// <summary>The zoo commit that recorded the collected images (null on a dry run or when nothing was
    /// collected).</summary>
    public string? Commit { get; init; }

    /// <summary>The registry repositories whose blobs their own garbage collection frees.</summary>
    public IReadOnlyList<string> RegistryGcPending { get; init; } = [];

    public IEnumerable<GcVersion> Collected => Versions.Where(v => v.Action == "collect");
}
