using ModelPipeline.Configuration;
using ModelPipeline.Git;
using ModelPipeline.GitOps;
using ModelPipeline.Progress;

namespace ModelPipeline.Zoo.Lifecycle;

/// <summary>
/// <c>models verify</c>: every protected alias (the zoo's <see cref="ZooPolicy"/>) must point at the version the
/// GitOps repository deploys in that environment. A disagreement (an alias moved by hand or by a raw git
/// push, or a GitOps change SyncAliases has not applied yet) is a problem naming the commit that moved it.
/// </summary>
public sealed class ProtectedAliasAudit(PipelineConfig config, IPipelineReporter reporter)
{
    public async Task<IReadOnlyList<string>> CheckAsync(ZooSnapshot zoo, CancellationToken ct)
    {
        var problems = new List<string>();
        var policy = ZooPolicy.Read(zoo.Root);
        var protectedAliases = ZooPolicy.Environments.Where(e => policy.PathFor(e) is not null).ToList();
        if (protectedAliases.Count == 0 || ZooLayout.Models(zoo.Root).Count == 0) return problems;
        var remote = GitRemote.Create("gitops", config.GitOps.Repository, config.GitOps.TokenEnv, "pipeline.json "
            + "$.gitops.repository", config.RepoRoot);
        if (remote.IsLocal && !remote.Url.StartsWith("file://", StringComparison.OrdinalIgnoreCase)
            && !Directory.Exists(remote.Url)) return problems;
        var deployed = new Dictionary<(string Model, string Environment), int>();
        string branch;
        using (var repo = await GitOpsRepository.OpenAsync(config, reporter, ct))
        {
            branch = repo.Branch;
            foreach (var environment in protectedAliases)
                foreach (var (folder, yaml) in await repo.ReadConfigsAsync(environment, ct))
                {
                    var where = $"{EnvironmentConfig.PathFor(environment, folder)} in the GitOps repository";
                    deployed[(folder, environment)] = ConfigYaml.Parse(yaml, where).ModelVersion;
                }
        }
        foreach (var model in ZooLayout.Models(zoo.Root))
        {
            var aliases = ZooLayout.ReadAliases(zoo.Root, model);
            foreach (var alias in protectedAliases)
            {
                int? zooVersion = aliases.TryGetValue(alias, out var a) ? a : null;
                int? gitops = deployed.TryGetValue((model, alias), out var d) ? d : null;
                if (zooVersion == gitops || zooVersion is null) continue;
                var movedBy = await zoo.AliasMovedByAsync(model, alias, ct) ?? "unknown (no git history)";
                problems.Add($"models/{model}/aliases.json: protected alias {alias} points to v{zooVersion}, but "
                    + $"the GitOps repository's "
                    + $"{branch} deploys {(gitops is null ? "nothing" : $"v{gitops}")} "
                        + $"({EnvironmentConfig.PathFor(alias, model)}); "
                    + $"moved by commit {movedBy}. Fix: revert that commit on the zoo's primary, or run SyncAliases "
                    + "(modelpipe sync-aliases) to set it to what GitOps deploys; move prod only by a merged "
                        + "promotion");
            }
        }
        return problems;
    }
}
