namespace ModelPipeline.Zoo;

/// <summary>
/// What <c>models show NAME</c> prints: each version with the environments it is in (the zoo's test and
/// prod aliases, which SyncAliases keeps on what the GitOps repository deploys), and <c>latest (never in
/// test)</c> for a newest version that never ran in test. index.json's <c>status</c> only says which
/// version <c>latest</c> points to; it is not a deployment state, so it is not shown.
/// </summary>
public sealed record ModelView
{
    public static readonly IReadOnlyList<string> EnvironmentAliases = ["test", "prod"];

    public required string Model { get; init; }
    public required IReadOnlyDictionary<string, int> Aliases { get; init; }
    public required IReadOnlyList<ShownVersion> Versions { get; init; }

    /// <param name="statuses">lifecycle.json (deprecated, yanked, archived versions).</param>
    /// <param name="tags">tags.json.</param>
    /// <param name="collected">The versions whose image <c>modelpipe gc</c> deleted (collected.json): "image collected".</param>
    public static ModelView Of(ModelIndex index, IReadOnlySet<int> everInTest,
        IReadOnlyDictionary<int, Lifecycle.VersionStatus>? statuses = null,
        IReadOnlyDictionary<int, SortedDictionary<string, string>>? tags = null,
        IReadOnlySet<int>? collected = null) => new()
    {
        Model = index.Model,
        Aliases = index.Aliases,
        Versions = index.Versions.Select(v =>
        {
            var environments = EnvironmentAliases.Where(e => index.Aliases.TryGetValue(e, out var at) && at == v.Version).ToList();
            var latest = index.Aliases.TryGetValue(ZooLayout.Latest, out var l) && l == v.Version;
            var neverInTest = !everInTest.Contains(v.Version);
            var parts = new List<string>(environments);
            if (latest) parts.Add(neverInTest ? "latest (never in test)" : "latest");
            var gone = collected?.Contains(v.Version) == true;
            if (gone) parts.Add("image collected");
            return new ShownVersion
            {
                Version = v.Version,
                Label = parts.Count == 0 ? "-" : string.Join(", ", parts),
                Environments = environments,
                NeverInTest = neverInTest,
                ImageCollected = gone,
                CreatedAt = v.CreatedAt,
                Digest = v.Digest,
                Reference = v.Reference,
                Aliases = v.Aliases,
                State = statuses?.GetValueOrDefault(v.Version)?.State ?? Lifecycle.VersionState.Active,
                Reason = statuses?.GetValueOrDefault(v.Version)?.Reason,
                Tags = tags?.GetValueOrDefault(v.Version) ?? new SortedDictionary<string, string>(),
            };
        }).ToList(),
    };
}

/// <summary>One version in <see cref="ModelView"/>.</summary>
public sealed record ShownVersion
{
    public required int Version { get; init; }

    /// <summary>"prod", "test, prod", "latest (never in test)", … or "-".</summary>
    public required string Label { get; init; }

    /// <summary>The environments (test, prod) whose zoo alias points to this version.</summary>
    public required IReadOnlyList<string> Environments { get; init; }

    /// <summary>Whether the zoo's test alias never pointed to this version.</summary>
    public required bool NeverInTest { get; init; }

    /// <summary>Whether <c>modelpipe gc</c> deleted the version's image (the record stays).</summary>
    public bool ImageCollected { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
    public required string Digest { get; init; }
    public required string Reference { get; init; }
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>Active, deprecated, yanked or archived (lifecycle.json), with the reason.</summary>
    public Lifecycle.VersionState State { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new SortedDictionary<string, string>();
}
