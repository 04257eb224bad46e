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
        var outcome = (await DeployManyAsync([model], ct))[0];
        return outcome.Record ?? throw outcome.Error!;
    }

    /// <summary>
    /// UpdateGitOps for many models: each model's decision (published, yanked, frozen, pinned by hand) is read
    /// from one open GitOps clone (one snapshot of its tip); then every pin goes in ONE GitOps commit and push,
    /// and the zoo's <c>test</c> aliases in one zoo commit and push. A model that fails fails alone; a push
    /// that fails fails every model it carried.
    /// </summary>
    public async Task<IReadOnlyList<DeploymentOutcome>> DeployManyAsync(IReadOnlyList<ModelDefinition> models,
        CancellationToken ct)
    {
        // Bad GitOps settings fail (exit 2) before the zoo or the image store is touched.
        GitOpsRepository.CheckSettings(config);
        var outcomes = new DeploymentOutcome?[models.Count];
        var pins = await DecideAsync(models, outcomes, ct);
        if (pins.Count > 0)
        {
            try
            {
                await PinAsync(pins, outcomes, ct);
            }
            catch (Errors.PipelineException ex)
            {
                foreach (var pin in pins) outcomes[pin.Index] ??= new DeploymentOutcome(pin.Model.Name, null, ex);
            }
        }
        return outcomes.Select(o => o!).ToList();
    }

    /// <summary>A model to pin: its published version and the config.yaml that pins it.</summary>
    private sealed record PendingPin(int Index, ModelDefinition Model, string Key, PublishedModel Published,
        string Path, string Yaml)
    {
        public string Message =>
            $"test: deploy {Model.Name} v{Published.Version} ({Published.Digest[..19]})\n\n" +
            $"Image: {Published.Reference}\nTraining key: {Key}\n";
    }

    /// <summary>What one zoo read says of a model: its validated key, the version holding it, its prod alias.</summary>
    private sealed record ZooFacts(string Key, PublishedVersion? Version, int? ProdAlias);

    /// <remarks>
    /// Every model is decided from one zoo read (the lock released before GitOps is opened, so no step holds both),
    /// one GitOps clone and one image store: 1,000 models are 1,000 lookups in files already read, not 1,000 reads.
    /// </remarks>
    private async Task<List<PendingPin>> DecideAsync(IReadOnlyList<ModelDefinition> models,
        DeploymentOutcome?[] outcomes, CancellationToken ct)
    {
        var pins = new List<PendingPin>();
        var facts = await ReadZooAsync(models, outcomes, ct);
        using var registries = new Oci.RegistryConnector(config.Registry, reporter);
        var store = new Packaging.PublishedImage(config, registries);
        // First each model's version and image (one store, in order); then, on every core, what GitOps says of it
        // and the file that would pin it (the YAML of 1,000 models is most of the step's work); then, in order, the
        // pins and the models left alone.
        var published = new PublishedModel?[models.Count];
        for (var i = 0; i < models.Count; i++)
        {
            if (facts[i] is not { } known) continue;
            try
            {
                published[i] =
                    await PublishedModel.RequireAsync(config, store, known.Version, models[i].Name, known.Key, ct);
            }
            catch (Errors.PipelineException ex)
            {
                outcomes[i] = new DeploymentOutcome(models[i].Name, null, ex);
            }
        }
        var decided = new (string? Reason, string? Yaml)[models.Count];
        GitOpsRepository? repo = null;
        try
        {
            if (published.Any(p => p is not null && Yanked(p.Model, p) is null))
            {
                try
                {
                    repo = await GitOpsRepository.OpenAsync(config, reporter, ct);
                }
                catch (Errors.PipelineException ex)
                {
                    for (var i = 0; i < models.Count; i++)
                        if (published[i] is not null) outcomes[i] ??= new DeploymentOutcome(models[i].Name, null, ex);
                    return pins;
                }
            }
            var cores = new ParallelOptions
            {
                MaxDegreeOfParallelism = System.Environment.ProcessorCount, CancellationToken = ct,
            };
            await Parallel.ForEachAsync(Enumerable.Range(0, models.Count), cores, async (i, token) =>
            {
                if (published[i] is not { } version) return;
                try
                {
                    if (Yanked(models[i].Name, version) is { } yanked)
                    {
                        decided[i] = (yanked, null);
                        return;
                    }
                    var pin = ConfigYaml.Serialize(For(models[i], version, Environment));
                    var reason = await LeftAloneAsync(repo!, models[i].Name, version.Version, token,
                        () => facts[i]!.ProdAlias, pin);
                    decided[i] = (reason, reason is null ? pin : null);
                }
                catch (Errors.PipelineException ex)
                {
                    outcomes[i] = new DeploymentOutcome(models[i].Name, null, ex);
                }
            });
        }
        finally
        {
            repo?.Dispose(); // the clone's lock: the commit below takes it again
        }
        for (var i = 0; i < models.Count; i++)
        {
            if (published[i] is not { } version || outcomes[i] is not null) continue;
            var (model, key, path) = (models[i], facts[i]!.Key, EnvironmentConfig.PathFor(Environment, models[i].Name));
            if (decided[i].Reason is not { } reason)
            {
                pins.Add(new PendingPin(i, model, key, version, path, decided[i].Yaml!));
                continue;
            }
            reporter.Info(model.Name, $"left test alone: {reason}");
            var held = Record(model.Name, key, version, path, null, aliasChanged: false) with { LeftAlone = reason };
            state.WriteRun(model.Name, key, "gitops", held);
            outcomes[i] = new DeploymentOutcome(model.Name, held, null);
        }
        return pins;
    }

    /// <summary>Each model's facts from one zoo read (null where the model failed already, as its outcome says).</summary>
    private async Task<ZooFacts?[]> ReadZooAsync(IReadOnlyList<ModelDefinition> models,
        DeploymentOutcome?[] outcomes, CancellationToken ct)
    {
        var facts = new ZooFacts?[models.Count];
        var keys = new string?[models.Count];
        for (var i = 0; i < models.Count; i++)
        {
            try
            {
                keys[i] = state.RequireValidated(models[i].Name);
                DeploymentGuard.Check(config, state, models[i].Name, keys[i]!);
            }
            catch (Errors.PipelineException ex)
            {
                outcomes[i] = new DeploymentOutcome(models[i].Name, null, ex);
            }
        }
        if (outcomes.All(o => o is not null)) return facts;
        var repository = new ZooRepository(config, reporter);
        ZooSnapshot zoo;
        try
        {
            zoo = await repository.ReadAsync(ct);
        }
        catch (Errors.PipelineException ex)
        {
            for (var i = 0; i < models.Count; i++) outcomes[i] ??= new DeploymentOutcome(models[i].Name, null, ex);
            return facts;
        }
        using (zoo)
        {
            for (var i = 0; i < models.Count; i++)
            {
                if (outcomes[i] is not null) continue;
                try
                {
                    facts[i] = new ZooFacts(keys[i]!, repository.FindByKey(zoo, models[i].Name, keys[i]!),
                        ProdAlias(zoo, models[i].Name));
                }
                catch (Errors.PipelineException ex)
                {
                    outcomes[i] = new DeploymentOutcome(models[i].Name, null, ex);
                }
            }
        }
        return facts;
    }

    private async Task PinAsync(List<PendingPin> pins, DeploymentOutcome?[] outcomes, CancellationToken ct)
    {
        var (commit, changed) = await GitOpsRepository.CommitFilesAsync(config, reporter,
            [.. pins.Select(p => (p.Path, p.Yaml))],
            which => which.Count == 1 ? pins[which[0]].Message
                : $"test: deploy {which.Count} models\n\n" +
                    $"{string.Join("\n", which.Select(i => pins[i].Message.Split('\n')[0]))}\n",
            ct);
        for (var i = 0; i < pins.Count; i++)
        {
            var pin = pins[i];
            var (name, published) = (pin.Model.Name, pin.Published);
            if (!changed.Contains(i))
            {
                if (pins.Count == 1)
                    reporter.Info(name,
                        $"{pin.Path} already pins v{published.Version} ({published.Digest[..19]}); nothing to commit");
                continue;
            }
            reporter.Info(name, $"committed {pin.Path} (v{published.Version}, {published.Digest[..19]}) as {commit![..12]} " +
                $"to {config.GitOps.Branch}");
            new PendingPromotion
            {
                Model = name, Version = published.Version, Digest = published.Digest, TrainingKey = pin.Key,
                TestCommit = commit,
                RunId = System.Environment.GetEnvironmentVariable("MODELPIPE_RUN_ID"),
            }.Write(state);
        }
        if (pins.Count > 1)
            reporter.Info(null, $"gitops: {changed.Count} of {pins.Count} test pin(s) changed" +
                (commit is null ? "; nothing to commit" : $", in one commit {commit[..12]}"));
        var aliases = await new ZooRepository(config, reporter).SetAliasesAsync(
            [.. pins.Select(p => new AliasMove(p.Model.Name, Environment, p.Published.Version))],
            Zoo.Lifecycle.AliasMover.UpdateGitOps, ct);
        for (var i = 0; i < pins.Count; i++)
        {
            var pin = pins[i];
            if (aliases[i].Error is { } error)
            {
                outcomes[pin.Index] = new DeploymentOutcome(pin.Model.Name, null, error);
                continue;
            }
            var record = Record(pin.Model.Name, pin.Key, pin.Published, pin.Path, changed.Contains(i) ? commit : null,
                aliases[i].Result!.Changed);
            state.WriteRun(pin.Model.Name, pin.Key, "gitops", record);
            outcomes[pin.Index] = new DeploymentOutcome(pin.Model.Name, record, null);
        }
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

/// <summary>One model's outcome of <see cref="TestDeployment.DeployManyAsync"/>: its record, or its error.</summary>
public sealed record DeploymentOutcome(string Model, DeploymentRecord? Record, Errors.PipelineException? Error);

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
