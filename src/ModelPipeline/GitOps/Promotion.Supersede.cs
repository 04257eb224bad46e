using ModelPipeline.Errors;
using ModelPipeline.Forges;

namespace ModelPipeline.GitOps;

public sealed partial class Promotion
{
    /// <summary>
    /// A newer version is now proposed: the model's older open promotion pull requests are closed with
    /// a comment linking the new one, and their branches deleted (by the forge's API, or with git for
    /// the local forge). Other models' branches and pull requests are never looked at: <paramref name="branches"/>
    /// are this model's promotion branches on the remote.
    /// </summary>
    private async Task<IReadOnlyList<SupersededPullRequest>> CloseSupersededAsync(GitOpsRepository repo, IForge forge, PullRequestSpec proposed,
        int version, PullRequestResult pr, IReadOnlyList<string> branches, CancellationToken ct)
    {
        var spec = new SupersedeSpec
        {
            Model = proposed.Model,
            Base = proposed.Base,
            Version = version,
            Head = proposed.Head,
            Title = proposed.Title,
            NewPullRequest = pr,
            // Only lower versions are superseded: the new branch itself and newer ones cost no git process.
            OlderBranches = await UnmergedAsync(repo,
                [.. branches.Where(b => SupersedeSpec.VersionOf(proposed.Model, b) < version)], ct),
            PromotionsDir = Path.Combine(state.ModelDir(proposed.Model), "promotions"),
        };
        var closed = new List<SupersededPullRequest>();
        foreach (var old in await forge.CloseSupersededAsync(spec, ct))
        {
            var result = forge is LocalForge
                ? old with { BranchDeleted = await repo.DeleteRemoteBranchAsync(old.Branch, ct), Url = state.Relative(old.Url) } : old;
            reporter.Info(proposed.Model, $"closed the older promotion {old.Branch} ({old.Url}) in favour of v{version}{(result.BranchDeleted ? "; branch deleted" : "")}");
            closed.Add(result);
        }
        return closed;
    }

    /// <summary>
    /// The branches not yet merged into the GitOps branch: a merged promotion (a version that ran or runs in
    /// prod) is history, not an open proposal, so it is never closed as superseded.
    /// </summary>
    private static async Task<IReadOnlyList<string>> UnmergedAsync(GitOpsRepository repo, IReadOnlyList<string> branches, CancellationToken ct)
    {
        var open = new List<string>();
        foreach (var branch in branches)
            if (!await repo.IsMergedAsync(branch, ct)) open.Add(branch);
        return open;
    }

    /// <summary>OpenPr for a model whose test pin did not change in this run: nothing is read or written.</summary>
    private PromotionRecord LeftAlone(string model, string key)
    {
        var deployed = state.ReadRun<DeploymentRecord>(model, key, "gitops");
        reporter.Info(model, "the test pin did not change in this run; the promotion branch and pull request are left alone "
            + $"(to propose a version anyway: ./build.sh Promote --model {model} --version N)");
        return new PromotionRecord
        {
            Model = model,
            Version = deployed?.Version ?? 0,
            Digest = deployed?.Digest ?? "",
            Forge = config.Forge.Kind,
            Branch = deployed is null ? "" : SupersedeSpec.BranchFor(model, deployed.Version),
            Action = "pin-unchanged",
        };
    }

    /// <summary>
    /// Prod is frozen: nothing is proposed. OpenPr (Publish) reports it and goes on (its pending promotion is
    /// kept for after the freeze); Promote, whose only purpose is to move prod, fails.
    /// </summary>
    private PromotionRecord Frozen(string model, IForge forge, EnvironmentConfig candidate, EnvironmentFreeze freeze, bool promote)
    {
        var message = $"{freeze.Describe()}; v{candidate.ModelVersion} is not proposed for prod (no branch, no pull request).";
        if (promote)
            throw new OperationFailedException($"model '{model}': {message} Fix: wait until the freeze ends, "
                + $"or lift it ({freeze.UnfreezeCommand}) and run ./build.sh Promote --model {model} --version {candidate.ModelVersion} again.") { Model = model };
        reporter.Info(model, $"{message} It is proposed by the next OpenPr after {freeze.UnfreezeCommand}.");
        return new PromotionRecord
        {
            Model = model,
            Version = candidate.ModelVersion,
            Digest = candidate.ImageDigest,
            Forge = forge.Kind,
            Branch = SupersedeSpec.BranchFor(model, candidate.ModelVersion),
            Action = "frozen",
            Freeze = freeze,
        };
    }
}
