using ModelPipeline.Configuration;
using ModelPipeline.Fetching;
using ModelPipeline.GitOps;
using ModelPipeline.Models;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Training;
using ModelPipeline.Zoo;

namespace ModelPipeline.Ci;

/// <summary>One model the plan sends to a job of its own, and why.</summary>
public sealed record PlannedModel
{
    public required string Name { get; init; }
    public required string TrainingKey { get; init; }

    /// <summary><c>train</c>: the training key is not in the zoo; <c>pin</c>: it is (as vN), but test does not pin that image.</summary>
    public required string Reason { get; init; }

    public int? PublishedVersion { get; init; }
}

/// <summary>
/// What a CI run has to do, computed before anything is fetched or built: the models whose training
/// key is not in the zoo, or whose published image is not what the GitOps test environment pins.
/// Each gets a job of its own (Train -> PushMirrors); the rest are left alone.
/// Written to <c>artifacts/plan.json</c>.
/// </summary>
public sealed record WorkPlan
{
    public const string File = "plan.json";

    public required IReadOnlyList<PlannedModel> Models { get; init; }
    public required IReadOnlyList<string> Unchanged { get; init; }
    public string? ZooCommit { get; init; }

    public IReadOnlyList<string> Names => Models.Select(m => m.Name).ToList();

    public static async Task<WorkPlan> ComputeAsync(PipelineConfig config, IReadOnlyList<ModelDefinition> models,
        IPipelineReporter reporter, CancellationToken ct)
    {
        var assessed = await AssessAsync(config, models, reporter, ct);
        var pins = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (assessed.Models.Any(m => m.Published is not null))
        {
            using var gitops = await GitOpsRepository.OpenAsync(config, reporter, ct);
            pins = await gitops.ReadConfigsAsync("test", ct);
        }
        var planned = new List<PlannedModel>();
        var unchanged = new List<string>();
        foreach (var m in assessed.Models)
        {
            var name = m.Model.Name;
            if (m.Published is not { } version)
                planned.Add(new PlannedModel { Name = name, TrainingKey = m.Key, Reason = "train" });
            else if (!pins.TryGetValue(name, out var pin) || !Pins(pin, name, version.Manifest.Image.Digest))
                planned.Add(new PlannedModel { Name = name, TrainingKey = m.Key, Reason = "pin", PublishedVersion = version.Version });
            else unchanged.Add(name);
        }
        return new WorkPlan { Models = planned, Unchanged = unchanged, ZooCommit = assessed.ZooCommit };
    }

    /// <summary>
    /// Each model's training key (computed without fetching), the zoo's version of it if published, the
    /// version a new publish would get and the model's aliases, all read from one zoo snapshot.
    /// </summary>
    public static async Task<ZooAssessment> AssessAsync(PipelineConfig config, IReadOnlyList<ModelDefinition> models,
        IPipelineReporter reporter, CancellationToken ct)
    {
        var keys = new List<(ModelDefinition Model, string Key)>();
        foreach (var model in models) keys.Add((model, await KeyAsync(model, ct)));
        var assessed = new List<ModelAssessment>();
        using var zoo = await new ZooRepository(config, reporter).ReadAsync(ct);
        foreach (var (model, key) in keys)
            assessed.Add(new ModelAssessment
            {
                Model = model,
                Key = key,
                Published = ZooRepository.Find(zoo.Root, model.Name, key, zoo.Commit),
                NextVersion = ZooLayout.Versions(zoo.Root, model.Name).DefaultIfEmpty(0).Max() + 1,
                Aliases = ZooLayout.ReadAliases(zoo.Root, model.Name),
            });
        return new ZooAssessment { Models = assessed, ZooCommit = zoo.Commit };
    }

    public void Write(RunStateStore state) => RunStateStore.Write(Path.Combine(state.Root, File), this);

    /// <summary>The plan an earlier job wrote into the records, or null.</summary>
    public static WorkPlan? Read(RunStateStore state)
    {
        var path = Path.Combine(state.Root, File);
        if (!System.IO.File.Exists(path)) return null;
        using var stream = System.IO.File.OpenRead(path);
        return System.Text.Json.JsonSerializer.Deserialize<WorkPlan>(stream, RunStateStore.Json);
    }

    /// <summary>Whether a test config.yaml pins <paramref name="digest"/>.</summary>
    public static bool Pins(string yaml, string model, string digest) =>
        ConfigYaml.Parse(yaml, EnvironmentConfig.PathFor("test", model)).ImageDigest == digest;

    /// <summary>The training key from the definition and the data's digests as Fetch would record them, without fetching.</summary>
    private static async Task<string> KeyAsync(ModelDefinition model, CancellationToken ct)
    {
        var sources = new List<FetchedSource>();
        foreach (var source in model.Data)
        {
            var digest = source.Kind switch
            {
                DataSourceKind.Url => source.Sha256!,
                DataSourceKind.Git => FetchedSource.GitDigest(source.Commit!, source.Path),
                _ => await Digests.PathSha256Async(SafePath.TryResolve(model.Directory, source.File!, out var why)
                    ?? throw new Errors.InvalidInputException($"model '{model.Name}', data source '{source.Name}': '{source.File}' {why}."), ct),
            };
            sources.Add(new FetchedSource { Name = source.Name, Kind = source.Kind.ToString().ToLowerInvariant(), Digest = digest });
        }
        return await TrainingKey.ComputeAsync(model, new FetchRecord { Model = model.Name, Sources = sources }, ct);
    }
}

/// <summary>The zoo's view of the selected models (see <see cref="WorkPlan.AssessAsync"/>).</summary>
public sealed record ZooAssessment
{
    public required IReadOnlyList<ModelAssessment> Models { get; init; }
    public string? ZooCommit { get; init; }
}

/// <summary>One model as the zoo sees it: its training key, the version holding it, the next version, its aliases.</summary>
public sealed record ModelAssessment
{
    public required ModelDefinition Model { get; init; }
    public required string Key { get; init; }
    public PublishedVersion? Published { get; init; }
    public required int NextVersion { get; init; }
    public required IReadOnlyDictionary<string, int> Aliases { get; init; }
}
