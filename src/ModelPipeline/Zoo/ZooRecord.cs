namespace ModelPipeline.Zoo;

/// <summary>What PushMirrors recorded for one training key, stored as <c>runs/&lt;key&gt;/zoo.json</c>.</summary>
public sealed record ZooRecord
{
    public required string Model { get; init; }
    public required string TrainingKey { get; init; }

    /// <summary>The zoo version (N of <c>models/&lt;name&gt;/vN</c>).</summary>
    public required int Version { get; init; }

    /// <summary>The primary's commit that holds the version (the publishing commit, or the current tip when it was already published).</summary>
    public required string Commit { get; init; }

    public required string Digest { get; init; }
    public required string Reference { get; init; }
    public required string StorageUri { get; init; }
    public required IReadOnlyList<MirrorResult> Mirrors { get; init; }

    /// <summary>True when this training key was already in the zoo and no commit was made.</summary>
    public bool AlreadyPublished { get; init; }

    /// <summary>When the version was published (for an already published key: its time in the zoo).</summary>
    public DateTimeOffset PublishedAt { get; init; }

    /// <summary>The image tag <c>&lt;model&gt;-v&lt;N&gt;</c> added to the same digest (null when tagging failed: a warning).</summary>
    public string? VersionTag { get; init; }

    /// <summary>The image the zoo records for the version (for an already published key: the recorded one, not this run's).</summary>
    public ZooImage? Image { get; init; }

    /// <summary>For an already published key: the version as the zoo holds it.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public PublishedVersion? Published { get; init; }

    /// <summary>The digest this run packaged when the zoo already records another one for the key (not published; the record wins).</summary>
    public string? UnpublishedDigest { get; init; }
}

/// <summary>The outcome of pushing to one mirror, and whether its branch then matched the primary's.</summary>
public sealed record MirrorResult
{
    public required string Name { get; init; }
    public required bool Ok { get; init; }
    public required string Message { get; init; }
    public bool Matches { get; init; }

    /// <summary>The commit the mirror's branch held after the push (null when unreadable).</summary>
    public string? Commit { get; init; }

    /// <summary>The commit the primary's branch held at the comparison.</summary>
    public string? PrimaryCommit { get; init; }
}

/// <summary>The result of setting an alias: the version it now points to and the commit (null when unchanged).</summary>
public sealed record AliasResult
{
    public required string Model { get; init; }
    public required string Alias { get; init; }
    public required int Version { get; init; }
    public string? Commit { get; init; }
    public bool Changed { get; init; }
    public IReadOnlyList<MirrorResult> Mirrors { get; init; } = [];
}
