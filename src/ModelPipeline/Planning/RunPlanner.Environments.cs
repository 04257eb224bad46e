using ModelPipeline.Ci;
using ModelPipeline.Configuration;
using ModelPipeline.Forges;
using ModelPipeline.GitOps;
using ModelPipeline.Zoo;

namespace ModelPipeline.Planning;

public sealed partial class RunPlanner
{
    /// <summary>
    /// The zoo version and aliases (PushMirrors, UpdateGitOps), the test config.yaml (UpdateGitOps) and the
    /// promotion (OpenPr) of every model, from one read of the GitOps branch and its promotion branches.
    /// </summary>
    private async Task<IReadOnlyList<ModelPlan>> EnvironmentsAsync(PipelineConfig read,
        IReadOnlyList<(ModelAssessment Zoo, TrainingPlan Training, ImagePlanEntry Image)> models, CancellationToken ct)
    {
        using var repo = await GitOpsRepository.OpenAsync(read, reporter, ct);
        var tests = await repo.ReadConfigsAsync(TestDeployment.Environment, ct);
        var prods = await repo.ReadConfigsAsync(GitOps.Promotion.Environment, ct);
        var branches = await repo.RemoteBranchesAsync("promote/", ct);
        var deployment = new TestDeployment(read, state, reporter);
        var plans = new List<ModelPlan>();
        foreach (var (zoo, training, image) in models)
        {
            var name = zoo.Model.Name;
            var version = zoo.Published?.Version ?? zoo.NextVersion;
            var deployed = TestDeployment.For(zoo.Model, Published(zoo, image, version), TestDeployment.Environment);
            var path = EnvironmentConfig.PathFor(TestDeployment.Environment, name);
            var after = ConfigYaml.Serialize(deployed);
            var before = tests.GetValueOrDefault(name);
            int? testAlias = zoo.Aliases.TryGetValue(TestDeployment.Environment, out var t) ? t : null;
            string? leftAlone = null;
            if (before != after || testAlias != version)
                leftAlone = await deployment.LeftAloneAsync(repo, name, version, ct);
            var gitops = new GitOpsPlan
            {
                Path = path,
                Action = leftAlone is not null ? "left-alone" : before is null ? "create" : before == after ? "unchanged" : "change",
                Before = before, After = after, Reason = leftAlone,
                Diff = leftAlone is null && before != after ? LineDiff.Unified(path, before ?? "", after, 2, "now", "after the run") : null,
            };
            var moves = new List<AliasMove>();
            if (zoo.Published is null)
                moves.Add(new AliasMove(ZooLayout.Latest, zoo.Aliases.TryGetValue(ZooLayout.Latest, out var l) ? l : null, version));
            if (leftAlone is null && testAlias != version) moves.Add(new AliasMove(TestDeployment.Environment, testAlias, version));
            plans.Add(new ModelPlan
            {
                Name = name, TrainingKey = zoo.Key, Training = training, Image = image,
                Zoo = new ZooPlan { Version = version, NewVersion = zoo.Published is null, AliasMoves = moves },
                GitOps = gitops,
                Promotion = await PromotionAsync(repo, name, gitops, deployed, prods.GetValueOrDefault(name), branches, ct),
            });
        }
        return plans;
    }

    /// <summary>The version as UpdateGitOps will pin it (the digest stands in until the image is known).</summary>
    private static PublishedModel Published(ModelAssessment zoo, ImagePlanEntry image, int version)
    {
        var digest = image.Digest ?? UnknownDigest;
        return new PublishedModel
        {
            Model = zoo.Model.Name, TrainingKey = zoo.Key, Version = version, Repository = image.Repository,
            Digest = digest, Reference = $"{image.Repository}@{digest}", StorageUri = $"oci://{image.Repository}@{digest}",
        };
    }

    /// <summary>
    /// As OpenPr decides: only when this run changes the test pin (or an earlier run left a promotion pending);
    /// nothing when prod already pins it or is frozen; else the branch <c>promote/&lt;name&gt;-v&lt;N&gt;</c>, its
    /// pull request opened or updated and the older open ones closed, as the forge answers (see <see cref="Open"/>).
    /// </summary>
    private async Task<PromotionPlan> PromotionAsync(GitOpsRepository repo, string name, GitOpsPlan gitops,
        EnvironmentConfig deployed, string? prodYaml, IReadOnlyList<string> branches, CancellationToken ct)
    {
        var forge = config.Forge.Kind;
        var prodPath = EnvironmentConfig.PathFor(GitOps.Promotion.Environment, name);
        var changes = gitops.Action is "create" or "change";
        var pending = PendingPromotion.Read(state, name);
        if (!changes && pending is null)
            return new PromotionPlan { Action = "none", Forge = forge, Reason = "the test pin does not change in this run" };
        var candidate = changes ? deployed
            : gitops.Before is { } current ? ConfigYaml.Parse(current, $"{gitops.Path} in the GitOps repository") : deployed;
        var branch = SupersedeSpec.BranchFor(name, candidate.ModelVersion);
        if (await EnvironmentFreezes.HoldingAsync(repo, GitOps.Promotion.Environment, name, reporter, ct) is { } freeze)
            return new PromotionPlan { Action = "frozen", Forge = forge, Branch = branch, ProdPath = prodPath, Reason = freeze.Describe() };
        if (prodYaml == ConfigYaml.Serialize(candidate.ForEnvironment(GitOps.Promotion.Environment)))
            return new PromotionPlan
            {
                Action = "nothing-to-do", Forge = forge, Branch = branch, ProdPath = prodPath,
                Reason = $"{prodPath} already pins v{candidate.ModelVersion}",
            };
        var supersede = new SupersedeSpec
        {
            Model = name, Base = repo.Branch, Version = candidate.ModelVersion, Head = branch, Title = "",
            NewPullRequest = new PullRequestResult { Action = PullRequestAction.Created, Url = "" }, PromotionsDir = "",
        };
        var open = await Open(repo.Branch, ct);
        if (open.PullRequests is { } listed)
        {
            var existing = listed.FirstOrDefault(p => p.Head == branch);
            return new PromotionPlan
            {
                Action = existing is null ? "open" : "update", Forge = forge, Branch = branch, ProdPath = prodPath,
                Close = listed.Where(p => supersede.Supersedes(p.Head)).Select(p => p.Head).Distinct().ToList(),
                Url = existing?.Url,
            };
        }
        // The local forge (or a hosted one that could not be asked): its open promotions are the unmerged branches;
        // the local forge's pull request is its text in the run state, written anew when it is not there.
        var close = new List<string>();
        foreach (var older in branches.Where(supersede.Supersedes).Order(StringComparer.Ordinal))
            if (!await repo.IsMergedAsync(older, ct)) close.Add(older);
        var text = Path.Combine(state.ModelDir(name), "promotions", $"v{candidate.ModelVersion}", LocalForge.BodyFile);
        var update = forge == "local" ? File.Exists(text) : branches.Contains(branch);
        return new PromotionPlan
        {
            Action = update ? "update" : "open", Forge = forge, Branch = branch, ProdPath = prodPath, Close = close,
            Url = forge == "local" && update ? state.Relative(text) : null, Reason = open.Problem,
        };
    }

    private (IReadOnlyList<OpenPullRequest>? PullRequests, string? Problem)? _open;

    /// <summary>
    /// The open pull requests of a hosted forge, asked once per plan and only when a promotion is decided. A forge
    /// that cannot be asked (no token here, as in a pull request pipeline from a fork) is a warning: the plan
    /// then judges by the GitOps repository's branches and says so.
    /// </summary>
    private async Task<(IReadOnlyList<OpenPullRequest>? PullRequests, string? Problem)> Open(string baseBranch,
        CancellationToken ct)
    {
        if (_open is { } known) return known;
        if (config.Forge.Kind == "local") return (_open = (null, null)).Value;
        try
        {
            var forge = ForgeFactory.Create(config, reporter);
            _open = forge is IOpenPullRequests reader
                ? (await reader.ListOpenAsync(baseBranch, ct), null) : (null, null);
        }
        catch (Errors.PipelineException ex)
        {
            var problem = $"{config.Forge.Kind} was not asked ({ex.Message.Split('\n')[0]}); "
                + "judged by the GitOps branches";
            reporter.Warning(null, "plan: " + problem);
            _open = (null, problem);
        }
        return _open.Value;
    }
}
