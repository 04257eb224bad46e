using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Forges;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Zoo;

namespace ModelPipeline.GitOps;

/// <summary>
/// <c>modelpipe pr merge NAME</c> for the local forge: merges the model's open promotion branch into the
/// GitOps branch (what pressing "merge" does on a hosted forge), deletes the branch, marks the local
/// pull request merged, and runs SyncAliases for the model so the zoo's prod alias (and every host
/// following <c>NAME@prod</c>) moves with it. A frozen prod is never merged into.
/// </summary>
public sealed class PromotionMerge(PipelineConfig config, RunStateStore state, IPipelineReporter reporter)
{
    public async Task<MergeRecord> MergeAsync(string model, int? version, CancellationToken ct)
    {
        if (config.Forge.Kind != "local")
            throw new InvalidInputException($"modelpipe pr merge merges promotions of the local forge, but forge.kind is '{config.Forge.Kind}'. "
                + $"Fix: merge the pull request on {config.Forge.Kind}; CI then runs SyncAliases on the GitOps repository's main branch.");
        if (!ZooLayout.IsModelName(model))
            throw new InvalidInputException($"'{model}' is not a model name. Fix: use the folder name under models/ (lower-case letters, digits and '-').");
        GitOpsRepository.CheckSettings(config);
        var who = await EnvironmentFreezes.OperatorAsync(config.RepoRoot, ct);
        string branch, commit;
        int chosen;
        using (var repo = await GitOpsRepository.OpenAsync(config, reporter, ct))
        {
            (branch, chosen) = await OpenPromotionAsync(repo, model, version, ct);
            if (await EnvironmentFreezes.HoldingAsync(repo, Promotion.Environment, model, reporter, ct) is { } freeze)
                throw new OperationFailedException($"model '{model}': {freeze.Describe()}; {branch} is not merged. "
                    + $"Fix: wait until the freeze ends, or lift it ({freeze.UnfreezeCommand}) and merge again.") { Model = model };
            commit = await repo.MergeBranchAsync(branch,
                $"prod: merge {branch} (promote {model} v{chosen})\n\nMerged by {who.Name} <{who.Email}> with modelpipe pr merge.\n", who, ct);
            reporter.Info(model, $"merged {branch} into {repo.Branch} of the GitOps repository as {commit[..12]}; branch deleted");
        }

        var dir = Path.Combine(state.ModelDir(model), "promotions", $"v{chosen}");
        Directory.CreateDirectory(dir);
        File.Delete(Path.Combine(dir, LocalForge.ClosedFile));
        AtomicFile.WriteAllText(Path.Combine(dir, LocalForge.MergedFile), $"# Merged: {branch}\n\nMerged into {config.GitOps.Branch} as {commit} by {who.Name} <{who.Email}>.\n");

        await Notifications.Notifier.For(config, reporter).NotifyAsync(new Notifications.WebhookEvent
        {
            Event = Notifications.EventTypes.PromotionMerged, Model = model, Version = chosen, Environment = Promotion.Environment,
            Id = AliasSync.MergeDeliveryId(model, commit), Commit = commit, // SyncAliases below then tells it no more
            Url = state.Relative(Path.Combine(dir, LocalForge.MergedFile)),
            Summary = $"{model} v{chosen}: promotion to {Promotion.Environment} merged by {who.Name} ({commit[..12]})",
        }, ct);
        var sync = new AliasSync(config, reporter);
        var aliases = new List<AliasResult>();
        foreach (var pin in await sync.ReadPinsAsync([model], ct))
        {
            var alias = await sync.ApplyAsync(pin, ct);
            reporter.Info(model, alias.Changed ? $"zoo alias {pin.Alias} -> v{pin.Version}" : $"zoo alias {pin.Alias} already v{pin.Version}");
            aliases.Add(alias);
        }
        return new MergeRecord { Model = model, Version = chosen, Branch = branch, Commit = commit, Aliases = aliases };
    }

    /// <summary>The model's promotion branch not yet merged: the one of <paramref name="version"/>, or the only one.</summary>
    private static async Task<(string Branch, int Version)> OpenPromotionAsync(GitOpsRepository repo, string model, int? version, CancellationToken ct)
    {
        var open = new List<(string Branch, int Version)>();
        foreach (var branch in await repo.RemoteBranchesAsync($"promote/{model}-v", ct))
            if (SupersedeSpec.VersionOf(model, branch) is { } v && !await repo.IsMergedAsync(branch, ct)) open.Add((branch, v));
        var listed = open.Count == 0 ? "none" : string.Join(", ", open.Select(o => o.Branch));
        if (version is { } wanted)
            return open.FirstOrDefault(o => o.Version == wanted) is { Branch: not null } hit ? hit
                : throw new InvalidInputException($"model '{model}' has no open promotion of v{wanted} in the GitOps repository (open: {listed}). "
                    + $"Fix: propose it first (./build.sh Promote --model {model} --version {wanted}).") { Model = model };
        return open.Count switch
        {
            1 => open[0],
            0 => throw new InvalidInputException($"model '{model}' has no open promotion in the GitOps repository (no unmerged promote/{model}-v* branch). "
                + $"Fix: propose one first: ./build.sh Publish --model {model}, or ./build.sh Promote --model {model} --version N.") { Model = model },
            _ => throw new InvalidInputException($"model '{model}' has {open.Count} open promotions ({listed}). Fix: choose one with --version N.") { Model = model },
        };
    }
}

/// <summary>What <c>pr merge</c> did: the merged promotion and the zoo aliases synced afterwards.</summary>
public sealed record MergeRecord
{
    public required string Model { get; init; }
    public required int Version { get; init; }
    public required string Branch { get; init; }
    public required string Commit { get; init; }
    public required IReadOnlyList<AliasResult> Aliases { get; init; }
}
