using ModelPipeline.Errors;

namespace ModelPipeline.Zoo.Lifecycle;

/// <summary>Who moves an alias: a person (<c>models alias</c>), UpdateGitOps, or SyncAliases.</summary>
public enum AliasMover
{
    Hand,
    UpdateGitOps,
    SyncAliases,
}

/// <summary>
/// The zoo's <c>policy.json</c> (at its root): the protected aliases and the only path allowed to
/// move each. Absent, or without <c>protectedAliases</c>: <c>prod</c> is protected and only
/// SyncAliases (from the GitOps repository's branch, i.e. a merged promotion) moves it.
/// <code>
/// { "protectedAliases": { "prod": "sync-aliases", "test": "gitops" } }
/// </code>
/// <c>sync-aliases</c>: only SyncAliases; <c>gitops</c>: SyncAliases or UpdateGitOps (both write what
/// the GitOps repository deploys; <c>test</c> takes only this one, as UpdateGitOps moves it). Only the
/// GitOps environments (<c>test</c>, <c>prod</c>) can be protected, since nothing else follows GitOps.
/// </summary>
public sealed record ZooPolicy
{
    public const string FileName = "policy.json";
    public const string SyncAliasesPath = "sync-aliases";
    public const string GitOpsPath = "gitops";

    public static readonly IReadOnlyList<string> Environments = ["test", "prod"];

    public static readonly ZooPolicy Default = new()
    {
        ProtectedAliases = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["prod"] = SyncAliasesPath },
    };

    /// <summary>Alias → the path allowed to move it (<c>sync-aliases</c> or <c>gitops</c>).</summary>
    public IReadOnlyDictionary<string, string>? ProtectedAliases { get; init; }

    public static string PathOf(string root) => Path.Combine(root, FileName);

    /// <summary>The policy in a zoo working tree (the default when it has none); a bad policy exits 2.</summary>
    public static ZooPolicy Read(string root)
    {
        var path = PathOf(root);
        if (!File.Exists(path)) return Default;
        var policy = ZooLayout.Read<ZooPolicy>(path);
        if (policy.ProtectedAliases is null) return Default;
        foreach (var (alias, moved) in policy.ProtectedAliases)
        {
            if (!Environments.Contains(alias))
                throw new InvalidInputException($"zoo {FileName}: $.protectedAliases.{alias}: only the GitOps "
                    + $"environments "
                    + $"({string.Join(", ", Environments)}) can be protected. Fix: remove '{alias}' from the "
                        + $"zoo's {FileName}.");
            if (moved is not (SyncAliasesPath or GitOpsPath))
                throw new InvalidInputException($"zoo {FileName}: $.protectedAliases.{alias} is '{moved}'. "
                    + $"Fix: write '{SyncAliasesPath}' (only SyncAliases) or '{GitOpsPath}' (SyncAliases or "
                        + $"UpdateGitOps).");
            // UpdateGitOps pins test and then moves the alias: it must stay allowed to.
            if (alias == "test" && moved != GitOpsPath)
                throw new InvalidInputException($"zoo {FileName}: $.protectedAliases.test is '{moved}', but "
                    + $"UpdateGitOps moves "
                    + $"test when it pins it in the GitOps repository. Fix: write '{GitOpsPath}'.");
        }
        return policy;
    }

    /// <summary>The path allowed to move <paramref name="alias"/>, or null when it is not protected.</summary>
    public string? PathFor(string alias) => ProtectedAliases?.TryGetValue(alias, out var path) == true ? path : null;

    /// <summary>True when <paramref name="mover"/> may move <paramref name="alias"/>.</summary>
    public bool Allows(string alias, AliasMover mover) => PathFor(alias) switch
    {
        null => true,
        SyncAliasesPath => mover == AliasMover.SyncAliases,
        _ => mover is AliasMover.SyncAliases or AliasMover.UpdateGitOps,
    };
}
