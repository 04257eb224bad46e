namespace ModelPipeline.Notifications;

/// <summary>
/// The body of a <c>json</c> delivery (schema: <c>pipelines/notifications/webhook-event.schema.json</c>,
/// version <see cref="CurrentSchemaVersion"/>). Fields are only added, never renamed or removed, within a
/// schema version; a field that does not apply to the event is left out.
/// </summary>
public sealed record WebhookEvent
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>
    /// The delivery id (also the <c>X-Modelpipe-Delivery</c> header): the same on every retry, so a receiver can
    /// deduplicate. Set by the sender for an event that must be told once (promotion.merged), else a new one.
    /// </summary>
    public string Id { get; init; } = "";

    /// <summary>One of <see cref="EventTypes.All"/>.</summary>
    public required string Event { get; init; }

    public DateTimeOffset OccurredAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>One line for people (the Slack text).</summary>
    public required string Summary { get; init; }

    public string? Model { get; init; }
    public int? Version { get; init; }
    public string? Digest { get; init; }

    /// <summary>alias.moved: the alias; sync.*: what the host follows (NAME@REF).</summary>
    public string? Alias { get; init; }

    /// <summary>alias.moved, sync.switched, sync.reverted: the version before (null when there was none).</summary>
    public int? PreviousVersion { get; init; }

    /// <summary>promotion.*: the environment (prod).</summary>
    public string? Environment { get; init; }

    /// <summary>promotion.*: the pull or merge request (URL, or a path for the local forge); version.published: the image.</summary>
    public string? Url { get; init; }

    /// <summary>promotion.*: the pull or merge request's number.</summary>
    public int? Number { get; init; }

    /// <summary>promotion.merged: the GitOps commit that merged it (the delivery id is derived from it).</summary>
    public string? Commit { get; init; }

    /// <summary>gate.failed: the step whose gate refused (validate, serve-check, package).</summary>
    public string? Step { get; init; }

    /// <summary>sync.*: the serving host.</summary>
    public string? Host { get; init; }

    /// <summary>The failure (gate.failed, sync.failed, sync.reverted).</summary>
    public string? Detail { get; init; }

    /// <summary>The pipeline run (MODELPIPE_RUN_ID) that caused it, when there is one.</summary>
    public string? RunId { get; init; }

    /// <summary><c>pipeline</c> or <c>sync</c>.</summary>
    public string Source { get; init; } = "pipeline";
}
