using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Progress;
using ModelPipeline.Zoo;

namespace ModelPipeline.GitOps;

/// <summary>
/// SyncAliases: makes the zoo's <c>test</c> and <c>prod</c> aliases follow what the GitOps repository
/// deploys. Reads every <c>test/*/config.yaml</c> and <c>prod/*/config.yaml</c> on the GitOps branch
/// (so a merged promotion pull request moves <c>prod</c>) and sets each alias to its model_version.
/// Run it from CI on the GitOps repository's main branch.
/// </summary>
public sealed class AliasSync(PipelineConfig config, IPipelineReporter reporter)
{
    public static readonly IReadOnlyList<string> Environments = [TestDeployment.Environment, Promotion.Environment];

    /// <summary>One alias to set: the environment's name, pointing at the deployed version.</summary>
    public sealed record Pin(string Model, string Alias, int Version, string Path);

    public async Task<IReadOnlyList<Pin>> ReadPinsAsync(IReadOnlyCollection<string> models, CancellationToken ct)
    {
        var pins = new List<Pin>();
        using var repo = await GitOpsRepository.OpenAsync(config, reporter, ct);
        foreach (var environment in Environments)
        {
            foreach (var (folder, yaml) in await repo.ReadConfigsAsync(environment, ct))
            {
                if (models.Count > 0 && !models.Contains(folder)) continue;
                var path = EnvironmentConfig.PathFor(environment, folder);
                var deployed = ConfigYaml.Parse(yaml, $"{path} in the GitOps repository");
                if (deployed.Name != folder || deployed.ModelVersion < 1)
                    throw new OperationFailedException($"{path} in the GitOps repository names model '{deployed.Name}' v{deployed.ModelVersion}, not a version of '{folder}'. Fix: correct the file (UpdateGitOps and OpenPr write it) and re-run.") { Model = folder };
                pins.Add(new Pin(folder, environment, deployed.ModelVersion, path));
            }
        }
        foreach (var missing in models.Where(m => pins.All(p => p.Model != m)))
            reporter.Warning(missing, $"model '{missing}' has no test/ or prod/ config.yaml on {repo.Branch} of the GitOps repository; no alias to sync");
        return pins;
    }

    public Task<AliasResult> ApplyAsync(Pin pin, CancellationToken ct) =>
        new ZooRepository(config, reporter).SetAliasAsync(pin.Model, pin.Alias, pin.Version, ct, Zoo.Lifecycle.AliasMover.SyncAliases);

    /// <summary>Every pin in one zoo commit and one push; a pin the zoo refuses is that pin's error.</summary>
    public async Task<IReadOnlyList<AliasMoveResult>> ApplyAllAsync(IReadOnlyList<Pin> pins, CancellationToken ct) =>
        pins.Count == 0 ? [] : await new ZooRepository(config, reporter).SetAliasesAsync(
            [.. pins.Select(p => new AliasMove(p.Model, p.Alias, p.Version))], Zoo.Lifecycle.AliasMover.SyncAliases,
            ct);
}
