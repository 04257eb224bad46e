namespace ModelPipeline.Notifications;

/// <summary>
/// The <c>notifications</c> section of pipeline.json and of a serving host's sync.json: webhooks told
/// about what the pipeline or the host did. A delivery never fails the run that caused it.
/// </summary>
public sealed record NotificationSettings
{
    public IReadOnlyList<WebhookSettings> Webhooks { get; init; } = [];
}

/// <summary>One receiver: where, how to sign, which events, in which body format, and its retry budget.</summary>
public sealed record WebhookSettings
{
    /// <summary>Names the webhook in logs and the delivery log (default: the URL's host).</summary>
    public string? Name { get; init; }

    /// <summary>The http(s) URL; a URL that is itself a secret (a Slack incoming webhook) goes in <see cref="UrlEnv"/>.</summary>
    public string? Url { get; init; }

    /// <summary>The environment variable holding the URL (instead of <see cref="Url"/>).</summary>
    public string? UrlEnv { get; init; }

    /// <summary>The environment variable holding the HMAC-SHA256 secret; unset in the file: deliveries are unsigned.</summary>
    public string? SecretEnv { get; init; }

    /// <summary>The events sent (see <see cref="EventTypes"/>); empty: every event.</summary>
    public IReadOnlyList<string> Events { get; init; } = [];

    /// <summary><c>json</c> (the published event schema) or <c>slack</c> (an incoming-webhook <c>{"text": …}</c>).</summary>
    public string Format { get; init; } = "json";

    /// <summary>Attempts in all (the first and the retries).</summary>
    public int Attempts { get; init; } = 4;

    /// <summary>How long one attempt may take.</summary>
    public int TimeoutSeconds { get; init; } = 10;

    /// <summary>How long a delivery may take in all, waits between attempts included.</summary>
    public int BudgetSeconds { get; init; } = 60;

    public bool Wants(string type) => Events.Count == 0 || Events.Contains(type, StringComparer.Ordinal);

    /// <summary>The URL now (from the file or the variable), or null when the variable is unset.</summary>
    public string? ResolveUrl() => Url ?? (UrlEnv is { } env ? System.Environment.GetEnvironmentVariable(env) is { Length: > 0 } v ? v : null : null);

    /// <summary>What logs and the delivery log name: the webhook's name and the URL's origin, never its path or query.</summary>
    public string Label(string? url) => Name ?? Origin(url) ?? UrlEnv ?? "webhook";

    public static string? Origin(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) ? $"{u.Scheme}://{u.Host}{(u.IsDefaultPort ? "" : $":{u.Port}")}" : null;
}

/// <summary>The events a webhook can receive.</summary>
public static class EventTypes
{
    public const string VersionPublished = "version.published";
    public const string AliasMoved = "alias.moved";
    public const string PromotionOpened = "promotion.opened";
    public const string PromotionMerged = "promotion.merged";
    public const string PromotionClosed = "promotion.closed";
    public const string GateFailed = "gate.failed";
    public const string SyncSwitched = "sync.switched";
    public const string SyncFailed = "sync.failed";
    public const string SyncReverted = "sync.reverted";

    public static readonly IReadOnlyList<string> All =
    [
        VersionPublished, AliasMoved, PromotionOpened, PromotionMerged, PromotionClosed, GateFailed,
        SyncSwitched, SyncFailed, SyncReverted,
    ];
}
