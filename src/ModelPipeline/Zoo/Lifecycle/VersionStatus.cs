namespace ModelPipeline.Zoo.Lifecycle;

/// <summary>
/// Where a published version stands, like a yanked crate or a PyPI yank. A version without an entry in
/// <c>models/&lt;name&gt;/lifecycle.json</c> is <see cref="Active"/>.
/// </summary>
public enum VersionState
{
    /// <summary>Usable; nothing recorded.</summary>
    Active,

    /// <summary>Usable, but consumers are warned (with the reason) on every resolve, pull, sync and Promote.</summary>
    Deprecated,

    /// <summary>Refused by resolve, pull, sync and Promote unless asked for exactly (vN or digest) with
    /// <c>--allow-yanked</c>. Record, digest and image stay.</summary>
    Yanked,

    /// <summary>Yanked, and also hidden from the report's default view.</summary>
    Archived,
}

/// <summary>One version's entry in <c>lifecycle.json</c>: its state, why, when and by whom.</summary>
public sealed record VersionStatus
{
    public required VersionState State { get; init; }
    public required string Reason { get; init; }
    public DateTimeOffset At { get; init; }

    /// <summary>The commit author who set it (<c>Name &lt;email&gt;</c>).</summary>
    public string? By { get; init; }

    /// <summary>True for yanked and archived versions: consumers refuse them unless asked for exactly.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsYanked => State is VersionState.Yanked or VersionState.Archived;
}
