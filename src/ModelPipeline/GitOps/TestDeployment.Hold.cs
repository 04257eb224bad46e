using ModelPipeline.Errors;
using ModelPipeline.Zoo;

namespace ModelPipeline.GitOps;

public sealed partial class TestDeployment
{
    /// <summary>The subject of the commits UpdateGitOps makes; any other commit to a test pin was made by a person.</summary>
    private static string DeploySubject(string model) => $"test: deploy {model} v";

    /// <summary>The subject of an UpdateGitOps commit pinning many models ("test: deploy 12 models").</summary>
    private static readonly System.Text.RegularExpressions.Regex BatchSubject = new(@"^test: deploy [0-9]+ models$");

    private static bool IsDeployCommit(string subject, string model) =>
        subject.StartsWith(DeploySubject(model), StringComparison.Ordinal) || BatchSubject.IsMatch(subject);

    /// <summary>
    /// Why UpdateGitOps must leave test alone, or null to pin <paramref name="version"/>: a freeze that
    /// holds, or a pin set by hand (the last change to the test config is not an UpdateGitOps commit)
    /// while <paramref name="version"/> already ran in test before it. Such a pin stands until a new
    /// version is published. Also warns when prod in GitOps and the zoo's prod alias disagree.
    /// </summary>
    /// <param name="prodAlias">The zoo's prod alias of the model as read already (many models decided from one
    /// zoo read); null: read it here.</param>
    /// <param name="pin">The config.yaml that would pin <paramref name="version"/>, when known: a test file with
    /// exactly that text pins it already and is not parsed again (1,000 unchanged pins per no-op run).</param>
    internal async Task<string?> LeftAloneAsync(GitOpsRepository repo, string model, int version, CancellationToken ct,
        Func<int?>? prodAlias = null, string? pin = null)
    {
        await WarnWhenProdAliasLagsAsync(repo, model, prodAlias, ct);
        var path = EnvironmentConfig.PathFor(Environment, model);
        var yaml = await repo.ReadAsync(path, ct);
        int? pinned = yaml is null ? null
            : yaml == pin ? version
            : ConfigYaml.Parse(yaml, $"{path} in the GitOps repository").ModelVersion;
        var at = pinned is null ? "test deploys nothing" : $"test stays at v{pinned}";
        if (await EnvironmentFreezes.HoldingAsync(repo, Environment, model, reporter, ct) is { } freeze)
            return $"{freeze.Describe()}; {at}, v{version} is not deployed. To deploy it: {freeze.UnfreezeCommand}, then ./build.sh Publish --model {model}.";
        if (pinned is null || pinned == version) return null;
        if (await repo.LastChangeAsync(path, ct) is not { } last || IsDeployCommit(last.Subject, model)) return null;
        foreach (var (commit, content) in await repo.HistoryAsync(path, ct))
        {
            if (!DeployedVersion(content, version)) continue;
            return $"{path} pins v{pinned}, set by hand by {last.Author} in GitOps commit {last.Commit[..12]} (\"{last.Subject}\") "
                + $"after v{version} ran in test (commit {commit[..12]}). A pin set by hand stands until a new version is published: {at}. "
                + $"To hold it explicitly: modelpipe env freeze test --model {model} --reason TEXT.";
        }
        return null;
    }

    /// <summary>A yanked version is never pinned to test (a training key published before its yank, built again).</summary>
    private static string? Yanked(string model, PublishedModel published) => published.Status is { IsYanked: true } status
        ? $"v{published.Version} is {Zoo.Lifecycle.ZooLifecycle.Describe(status)}; test is never pinned to a yanked "
          + $"version. To deploy it anyway: modelpipe models {ZooRepository.Verb(status.State)} {model}@v{published.Version} "
          + "--undo, then ./build.sh Publish --model " + model + "."
        : null;

    private static bool DeployedVersion(string content, int version)
    {
        try { return ConfigYaml.Parse(content, "").ModelVersion == version; }
        catch (OperationFailedException) { return false; }
    }

    /// <summary>
    /// Hosts follow the zoo's <c>prod</c> alias, which SyncAliases moves after a promotion is merged. When it
    /// and <c>prod/&lt;name&gt;/config.yaml</c> disagree, those hosts run another version than prod: a warning.
    /// </summary>
    private async Task WarnWhenProdAliasLagsAsync(GitOpsRepository repo, string model, Func<int?>? prodAlias,
        CancellationToken ct)
    {
        var path = EnvironmentConfig.PathFor(Promotion.Environment, model);
        var yaml = await repo.ReadAsync(path, ct);
        int? gitops = yaml is null ? null : ConfigYaml.Parse(yaml, $"{path} in the GitOps repository").ModelVersion;
        int? alias;
        if (prodAlias is not null) alias = prodAlias();
        else
        {
            using var zoo = await new ZooRepository(config, reporter).ReadAsync(ct);
            alias = ProdAlias(zoo, model);
        }
        if (gitops == alias) return;
        reporter.Warning(model, $"{path} in the GitOps repository deploys {(gitops is null ? "nothing" : $"v{gitops}")}, but the zoo's prod alias "
            + $"{(alias is null ? "is not set" : $"points to v{alias}")}, so hosts following {model}@prod do not run what prod runs. "
            + $"Fix: run ./build.sh SyncAliases --model {model} (CI runs it on the GitOps repository's main branch).");
    }

    /// <summary>The zoo's prod alias of a model, or null when it has none.</summary>
    private static int? ProdAlias(ZooSnapshot zoo, string model) =>
        ZooLayout.ReadAliases(zoo.Root, model).TryGetValue(Promotion.Environment, out var a) ? a : null;
}
