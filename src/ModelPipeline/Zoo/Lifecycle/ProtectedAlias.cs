using ModelPipeline.Errors;

namespace ModelPipeline.Zoo.Lifecycle;

/// <summary>Enforces the zoo's <see cref="ZooPolicy"/> when an alias moves.</summary>
public static class ProtectedAlias
{
    /// <summary>The commit trailer that names the path that moved an alias (<c>Moved-by: sync-aliases</c>).</summary>
    public const string Trailer = "Moved-by";

    public static string Name(AliasMover mover) => mover switch
    {
        AliasMover.SyncAliases => ZooPolicy.SyncAliasesPath,
        AliasMover.UpdateGitOps => "update-gitops",
        _ => "models alias",
    };

    /// <summary>Refuses (exit 2, saying how to promote) a move of a protected alias by a path the policy does not
    /// allow.</summary>
    public static void Check(string root, string model, string alias, int version, AliasMover mover)
    {
        var policy = ZooPolicy.Read(root);
        if (policy.Allows(alias, mover)) return;
        var path = policy.PathFor(alias) == ZooPolicy.SyncAliasesPath
            ? "only SyncAliases moves it, from the GitOps repository's branch"
            : "only UpdateGitOps and SyncAliases move it, from what the GitOps repository deploys";
        var how = alias == "prod"
            ? $"Fix: promote it: ./build.sh Promote --model {model} --version {version} opens the promotion pull "
                + $"request; "
              + "once it is merged, SyncAliases (modelpipe sync-aliases, run by CI on the GitOps repository's "
                  + "main) moves prod."
            : $"Fix: deploy it to {alias}: ./build.sh UpdateGitOps --model {model} pins it in the GitOps repository, "
              + $"and SyncAliases (modelpipe sync-aliases) moves {alias} to what is deployed.";
        throw new InvalidInputException($"{model}: alias '{alias}' is protected by the zoo's "
            + $"{ZooPolicy.FileName} ({path}), "
            + $"so {Name(mover)} may not point it at v{version}. {how}") { Model = model };
    }
}
