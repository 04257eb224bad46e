using ModelPipeline.Configuration;
using ModelPipeline.Models;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Zoo;

namespace ModelPipeline.GitOps;

/// <summary>
/// UpdateGitOps: pins the test environment to the digest the zoo records for the key's version
/// (checked to still be in its registry or layout) by writing
/// <c>test/&lt;name&gt;/config.yaml</c> in the GitOps repository (commit, push), then points the
/// zoo's <c>test</c> alias at that version. Unchanged content makes no commit.
/// </summary>
public sealed partial class TestDeployment(PipelineConfig config, RunStateStore state, IPipelineReporter reporter)
{
    public const string Environment = "test";

    public async Task<DeploymentRecord> DeployAsync(ModelDefinition model, CancellationToken ct)
    {
        var key = state.RequireValidated(model.Name);
        // Bad GitOps settings fail (exit 2) before the zoo or the image store is touched.
        GitOpsRepository.CheckSettings(config);
        DeploymentGuard.Check(config, state, model.Name, key);
        var published = await PublishedModel.RequireAsync(config, reporter, model.Name, key, ct);
        var yaml = ConfigYaml.Serialize(For(model, published, Environment));
        var path = EnvironmentConfig.PathFor(Environment, model.Name);
        var shortDigest = published.Digest[..19];
        if ((Yanked(model.Name, published) ?? await LeftAloneAsync(model.Name, published.Version, ct)) is { } reason)
        {
            reporter.Info(model.Name, $"left test alone: {reason}");
            var held = Record(model.Name, key, published, path, null, aliasChanged: false) with { LeftAlone = reason };
            state.WriteRun(model.Name, key, "gitops", held);
            return held;
        }

        var commit = await GitOpsRepository.CommitFileAsync(config, reporter, path, yaml,
            $"test: deploy {model.Name} v{published.Version} ({shortDigest})\n\nImage: {published.Reference}\nTraining key: {key}\n", ct);
        reporter.Info(model.Name, commit is null
            ? $"{path} already pins v{published.Version} ({shortDigest}); nothing to commit"
            : $"committed {path} (v{published.Version}, {shortDigest}) as {commit[..12]} to {config.GitOps.Branch}");
        if (commit is not null)
            new PendingPromotion
            {
                Model = model.Name, Version = published.Version, Digest = published.Digest, TrainingKey = key, TestCommit = commit,
                RunId = System.Environment.GetEnvironmentVariable("MODELPIPE_RUN_ID"),
            }.Write(state);
        var alias = await new ZooRepository(config, reporter).SetAliasAsync(model.Name, Environment, published.Version, ct,
            Zoo.Lifecycle.AliasMover.UpdateGitOps);

        var record = Record(model.Name, key, published, path, commit, alias.Changed);
        state.WriteRun(model.Name, key, "gitops", record);
        return record;
    }

    private DeploymentRecord Record(string model, string key, PublishedModel published, string path, string? commit, bool aliasChanged) => new()
    {
        Model = model,
        TrainingKey = key,
        Environment = Environment,
        Version = published.Version,
        Digest = published.Digest,
        StorageUri = published.StorageUri,
        Path = path,
        Branch = config.GitOps.Branch,
        Commit = commit,
        Changed = commit is not null,
        AliasChanged = aliasChanged,
    };

    /// <summary>The config.yaml of a published model in one environment.</summary>
    public static EnvironmentConfig For(ModelDefinition model, PublishedModel published, string environment) => new()
    {
        Name = model.Name,
        Environment = environment,
        ModelVersion = published.Version,
        ImageRepository = published.Repository,
        ImageDigest = published.Digest,
        StorageUri = published.StorageUri,
        Runtime = model.Serving.Runtime,
        ChartPath = model.Serving.ChartPath ?? "pipelines/argocd/chart",
        TrainingKey = published.TrainingKey,
        Serving = ConfigYaml.FromJson(model.Serving.Values),
    };
}

/// <summary>The result of UpdateGitOps, stored as <c>runs/&lt;key&gt;/gitops.json</c>.</summary>
public sealed record DeploymentRecord
{
    public required string Model { get; init; }
    public required string TrainingKey { get; init; }
    public required string Environment { get; init; }
    public required int Version { get; init; }
    public required string Digest { get; init; }
    public required string StorageUri { get; init; }
    public required string Path { get; init; }
    public required string Branch { get; init; }

    /// <summary>The commit that changed the file, or null when it already had this content.</summary>
    public string? Commit { get; init; }

    public bool Changed { get; init; }

    /// <summary>Whether the zoo's <c>test</c> alias had to be moved to this version.</summary>
    public bool AliasChanged { get; init; }

    /// <summary>Why test was left alone (a freeze, or a pin set by hand); null when UpdateGitOps pinned it.</summary>
    public string? LeftAlone { get; init; }
}
