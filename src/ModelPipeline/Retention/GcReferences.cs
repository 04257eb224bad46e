using ModelPipeline.Configuration;
using ModelPipeline.Git;
using ModelPipeline.GitOps;
using ModelPipeline.Progress;

namespace ModelPipeline.Retention;

/// <summary>A digest something deploys or may deploy, and what: "prod pin on main (frozen)", "test pin on
/// promote/iris-v3".</summary>
public sealed record GcReference(string Model, string Digest, string What);

/// <summary>
/// Every image digest the GitOps repository names: the <c>test/</c> and <c>prod/</c> pins on its branch
/// (a frozen environment says so), and the same on every <c>promote/*</c> branch, the open promotions
/// (a merged branch that was not deleted still counts: gc errs on the side of keeping).
/// </summary>
public static class GcReferences
{
    public static async Task<IReadOnlyList<GcReference>> FromGitOpsAsync(PipelineConfig config,
        IPipelineReporter reporter, CancellationToken ct)
    {
        var remote = GitRemote.Create("gitops", config.GitOps.Repository, config.GitOps.TokenEnv,
            "pipeline.json $.gitops.repository", config.RepoRoot);
        if (remote.IsLocal && !remote.Url.StartsWith("file://", StringComparison.OrdinalIgnoreCase)
            && !Directory.Exists(remote.Url)) return [];
        using var repo = await GitOpsRepository.OpenAsync(config, reporter, ct);
        var found = new List<GcReference>();
        var branches = new List<string?> { null };
        branches.AddRange(await repo.RemoteBranchesAsync("promote/", ct));
        foreach (var branch in branches)
        {
            foreach (var environment in AliasSync.Environments)
            {
                foreach (var (model, yaml) in await repo.ReadConfigsAsync(environment, ct, branch))
                {
                    var path = EnvironmentConfig.PathFor(environment, model);
                    var pin = ConfigYaml.Parse(yaml, $"{path} on {branch ?? repo.Branch} of the GitOps repository");
                    var frozen = branch is null
                        && await EnvironmentFreezes.HoldingAsync(repo, environment, model, reporter, ct) is not null;
                    var what = $"{environment} pin on {branch ?? repo.Branch}" + (frozen ? $" (frozen)" : "");
                    if (pin.ImageDigest.Length > 0) found.Add(new GcReference(model, pin.ImageDigest, what));
                }
            }
        }
        return found;
    }
}
