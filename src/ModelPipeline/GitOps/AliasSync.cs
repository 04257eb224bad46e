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
                pins.Add(PinOf(environment, folder, yaml));
            }
        }
        foreach (var missing in models.Where(m => pins.All(p => p.Model != m)))
            reporter.Warning(missing, $"model '{missing}' has no test/ or prod/ config.yaml on {repo.Branch} of the GitOps repository; no alias to sync");
        return pins;
    }

    /// <summary>The pin that <c>&lt;environment&gt;/&lt;folder&gt;/config.yaml</c> with <paramref name="yaml"/>
    /// sets.</summary>
    public static Pin PinOf(string environment, string folder, string yaml)
    {
        var path = EnvironmentConfig.PathFor(environment, folder);
        var deployed = ConfigYaml.Parse(yaml, $"{path} in the GitOps repository");
        if (deployed.Name != folder || deployed.ModelVersion < 1)
            throw new OperationFailedException($"{path} in the GitOps repository names model '{deployed.Name}' "
                + $"v{deployed.ModelVersion}, not a version of '{folder}'. Fix: correct the file (UpdateGitOps and "
                + "OpenPr write it) and re-run.") { Model = folder };
        return new Pin(folder, environment, deployed.ModelVersion, path);
    }

    /// <summary>
    /// Sets the alias. When that moves <c>prod</c>, a promotion was merged (on GitHub, GitLab or by hand):
    /// <c>promotion.merged</c> is told once, see <see cref="AnnounceMergesAsync"/>.
    /// </summary>
    public async Task<AliasResult> ApplyAsync(Pin pin, CancellationToken ct)
    {
        var alias = await new ZooRepository(config, reporter).SetAliasAsync(pin.Model, pin.Alias, pin.Version, ct,
            Zoo.Lifecycle.AliasMover.SyncAliases);
        if (alias.Changed && pin.Alias == Promotion.Environment) await AnnounceMergesAsync([pin], ct);
        return alias;
    }

    /// <summary>
    /// <c>promotion.merged</c> for the GitOps commit that put each moved pin's version in prod (the merge commit),
    /// with the request number its message names (<c>Merge pull request #12</c>, <c>See merge request …!7</c>)
    /// and who merged it. Told only when the zoo's prod alias moves, which happens once per merge however often
    /// SyncAliases runs; its delivery id comes from the commit (<see cref="MergeDeliveryId"/>), so a delivery
    /// already made for it (<c>modelpipe pr merge</c> tells it first) is not made again. One read of the GitOps
    /// history serves every pin of the batch.
    /// </summary>
    private async Task AnnounceMergesAsync(IReadOnlyList<Pin> moved, CancellationToken ct)
    {
        if (moved.Count == 0) return;
        if (!config.Notifications.Webhooks.Any(w => w.Wants(Notifications.EventTypes.PromotionMerged))) return;
        IReadOnlyList<History.HistoryEntry> stays;
        using (var repo = await GitOpsRepository.OpenAsync(config, reporter, ct))
        {
            var models = moved.Select(p => p.Model).ToHashSet(StringComparer.Ordinal);
            var changes = await repo.PinChangesAsync([Promotion.Environment], ct);
            stays = History.PromotionHistory.Build([.. changes.Where(c => models.Contains(c.Model))], null);
        }
        var notifier = Notifications.Notifier.For(config, reporter);
        foreach (var pin in moved)
        {
            var merged = stays.LastOrDefault(s => s.Model == pin.Model);
            if (merged is null || merged.Version != pin.Version) continue;
            int? number = merged.Request is { Length: > 1 } r && int.TryParse(r.AsSpan(1), out var n) ? n : null;
            var by = merged.MergedBy is { } who ? $" by {who}" : "";
            await notifier.NotifyAsync(new Notifications.WebhookEvent
            {
                Id = MergeDeliveryId(pin.Model, merged.Commit), Event = Notifications.EventTypes.PromotionMerged,
                Model = pin.Model, Version = pin.Version, Digest = merged.Digest, Environment = Promotion.Environment,
                Number = number, Commit = merged.Commit,
                Summary = $"{pin.Model} v{pin.Version}: promotion to {Promotion.Environment} merged{by} "
                    + $"({merged.Request ?? "GitOps commit"} {merged.Commit[..12]}); the zoo's prod alias follows",
            }, ct);
        }
    }

    /// <summary>The delivery id of <c>promotion.merged</c> for a merge commit: the same wherever it is told.</summary>
    public static string MergeDeliveryId(string model, string commit) => new Guid(System.Security.Cryptography.SHA256
        .HashData(System.Text.Encoding.UTF8.GetBytes($"promotion.merged\n{model}\n{commit}"))[..16]).ToString();

    /// <summary>
    /// Every pin in one zoo commit and one push; a pin the zoo refuses is that pin's error. Each move of
    /// <c>prod</c> tells <c>promotion.merged</c> as <see cref="ApplyAsync"/> does, from one read of the GitOps history.
    /// </summary>
    public async Task<IReadOnlyList<AliasMoveResult>> ApplyAllAsync(IReadOnlyList<Pin> pins, CancellationToken ct)
    {
        if (pins.Count == 0) return [];
        var moved = await new ZooRepository(config, reporter).SetAliasesAsync(
            [.. pins.Select(p => new AliasMove(p.Model, p.Alias, p.Version))], Zoo.Lifecycle.AliasMover.SyncAliases,
            ct);
        await AnnounceMergesAsync([.. pins.Zip(moved)
            .Where(m => m.Second.Result is { Changed: true } && m.First.Alias == Promotion.Environment)
            .Select(m => m.First)], ct);
        return moved;
    }
}
