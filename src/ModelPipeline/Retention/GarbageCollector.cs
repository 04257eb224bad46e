using ModelPipeline.Configuration;
using ModelPipeline.Oci;
using ModelPipeline.Progress;
using ModelPipeline.Zoo;

namespace ModelPipeline.Retention;

/// <summary>
/// <c>modelpipe gc</c>: deletes the images, tags, signatures, SBOMs and provenance of versions that nothing
/// references (no zoo alias, no test or prod pin on the GitOps branch or an open promotion branch, no
/// frozen environment) and that retention lets go (not among the newest <see cref="GcOptions.KeepLast"/>,
/// older than <see cref="GcOptions.OlderThanDays"/>). A digest any kept version or pin uses is never deleted.
/// The zoo keeps every version's record; <c>collected.json</c> says whose image is gone.
/// </summary>
public sealed partial class GarbageCollector(PipelineConfig config, IPipelineReporter reporter)
{
    private sealed record Entry(string Model, VersionManifest Manifest, List<string> Reasons, bool CollectedBefore);

    /// <summary>The plan: per model, each version's decision; the sweeps that carry it out.</summary>
    public sealed class Plan(RegistryConnector registries) : IDisposable
    {
        internal RegistryConnector Registries { get; } = registries;

        internal Dictionary<string, List<GcVersion>> Models { get; } = new(StringComparer.Ordinal);

        internal List<(StoreSweep Sweep, string Store, bool Registry, VersionSweep Version)> Sweeps { get; } = [];

        public IReadOnlyList<string> ModelNames => [.. Models.Keys];

        public void Dispose() => Registries.Dispose();
    }

    public async Task<Plan> PlanAsync(GcOptions options, CancellationToken ct)
    {
        var entries = await ReadZooAsync(options, ct);
        var references = await GcReferences.FromGitOpsAsync(config, reporter, ct);
        foreach (var reference in references)
            foreach (var e in entries.Where(e => e.Manifest.Image.Digest == reference.Digest))
                e.Reasons.Add(e.Model == reference.Model ? reference.What : $"{reference.What} of {reference.Model}");
        var protectedDigests = entries.Where(e => e.Reasons.Count > 0).SelectMany(e => Roots(e.Manifest.Image))
            .Concat(references.Select(r => r.Digest)).ToHashSet(StringComparer.Ordinal);
        var plan = new Plan(new RegistryConnector(config.Registry, reporter));
        try
        {
            foreach (var e in entries) plan.Models.TryAdd(e.Model, []);
            var sweeps = new Dictionary<(string, int), (string Store, VersionSweep Sweep)>();
            foreach (var group in entries.Where(e => e.Reasons.Count == 0).GroupBy(e => StoreKey(e.Manifest.Image)))
            {
                var (store, describe, registry) = Open(group.First().Manifest.Image, options, plan.Registries);
                if (store is null)
                {
                    reporter.Warning(null, $"{describe} does not exist; the images of {group.Count()} version(s) "
                        + "recorded there are gone already");
                    continue;
                }
                var sweep = new StoreSweep(store);
                foreach (var p in await sweep.PlanAsync(group.Select(Candidate).ToList(), protectedDigests, ct))
                {
                    sweeps[(p.Model, p.Version)] = (describe, p);
                    plan.Sweeps.Add((sweep, describe, registry, p));
                }
            }
            foreach (var e in entries)
            {
                (string, VersionSweep)? planned =
                    sweeps.TryGetValue((e.Model, e.Manifest.Version), out var s) ? s : null;
                plan.Models[e.Model].Add(Decide(e, planned));
            }
            return plan;
        }
        catch
        {
            plan.Dispose();
            throw;
        }
    }

    /// <summary>Carries out the plan for one model: deletes its sweeps, then records the collected images in the
    /// zoo.</summary>
    public async Task<GcModelResult> ApplyAsync(Plan plan, string model, bool dryRun, CancellationToken ct)
    {
        var versions = plan.Models[model];
        var pending = new SortedSet<string>(StringComparer.Ordinal);
        var collect = versions.Where(v => v.Action == "collect").ToList();
        foreach (var (sweep, store, registry, version) in plan.Sweeps.Where(s => s.Version.Model == model))
        {
            if (collect.All(v => v.Version != version.Version) || version.Manifests.Count == 0) continue;
            if (registry) pending.Add(store);
            if (dryRun) continue;
            await sweep.ApplyAsync(version, ct);
            reporter.Info(model, $"v{version.Version}: deleted {version.Manifests.Count} manifest(s) "
                + $"({string.Join(", ", version.Tags)}) from {store}, {version.Bytes} bytes");
        }
        string? commit = null;
        if (!dryRun && collect.Count > 0)
        {
            var now = DateTimeOffset.UtcNow;
            var records = collect.Select(v => new CollectedImage
            {
                Version = v.Version, Digest = v.Digest, CollectedAt = now, Bytes = v.Bytes,
            }).ToList();
            commit = await new ZooRepository(config, reporter).RecordCollectedAsync(model, records, ct);
        }
        return new GcModelResult
        {
            Model = model, DryRun = dryRun, Versions = versions, Commit = commit, RegistryGcPending = [.. pending],
        };
    }

    /// <summary>Every version of every model, with the reasons the zoo and retention give to keep it.</summary>
    private async Task<List<Entry>> ReadZooAsync(GcOptions options, CancellationToken ct)
    {
        var entries = new List<Entry>();
        using var zoo = await new ZooRepository(config, reporter).ReadAsync(ct);
        foreach (var model in ZooLayout.Models(zoo.Root))
        {
            var aliases = ZooLayout.ReadAliases(zoo.Root, model);
            var collected = CollectedImages.Read(zoo.Root, model);
            var versions = ZooLayout.Versions(zoo.Root, model);
            var newest = versions.OrderDescending().Take(options.KeepLast).ToHashSet();
            foreach (var v in versions)
            {
                var manifest = ZooLayout.Read<VersionManifest>(ZooLayout.ManifestPath(zoo.Root, model, v));
                var reasons = aliases.Where(a => a.Value == v).Select(a => $"alias {a.Key}").ToList();
                if (newest.Contains(v)) reasons.Add($"one of the newest {options.KeepLast}");
                if (manifest.CreatedAt > DateTimeOffset.UtcNow.AddDays(-options.OlderThanDays))
                    reasons.Add($"published less than {options.OlderThanDays} day(s) ago");
                entries.Add(new Entry(model, manifest, reasons, collected.ContainsKey(v)));
            }
        }
        return entries;
    }
}
