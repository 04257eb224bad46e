namespace ModelPipeline.Zoo;

public sealed partial class ZooRepository
{
    /// <summary>The version of <paramref name="model"/> that holds <paramref name="trainingKey"/> on the primary's tip, or null.</summary>
    public async Task<PublishedVersion?> FindByKeyAsync(string model, string trainingKey, CancellationToken ct)
    {
        using var zoo = await ReadAsync(ct);
        return await FindCheckedAsync(zoo.Root, model, trainingKey, zoo.Commit, ct);
    }

    /// <summary>
    /// <see cref="FindByKeyAsync"/> in a snapshot already read from this repository (<see cref="ReadAsync"/>): a step
    /// deciding for many models reads the zoo once, not once per model.
    /// </summary>
    public PublishedVersion? FindByKey(ZooSnapshot zoo, string model, string trainingKey)
    {
        var found = Find(zoo.Root, model, trainingKey, zoo.Commit);
        if (found is not null) CheckLedger(zoo.Root, model, found.Version, zoo.Commit, History);
        return found;
    }

    /// <summary>The version <paramref name="version"/> of <paramref name="model"/> on the primary's tip, or null.</summary>
    public async Task<PublishedVersion?> FindVersionAsync(string model, int version, CancellationToken ct)
    {
        using var zoo = await ReadAsync(ct);
        if (!File.Exists(ZooLayout.ManifestPath(zoo.Root, model, version))) return null;
        CheckLedger(zoo.Root, model, version, zoo.Commit, History);
        return Load(zoo.Root, model, version, zoo.Commit);
    }

    /// <summary><see cref="Find"/>, with the version found checked against its ledger entry.</summary>
    private async Task<PublishedVersion?> FindCheckedAsync(string root, string model, string trainingKey, string? commit, CancellationToken ct)
    {
        var found = Find(root, model, trainingKey, commit);
        if (found is not null) CheckLedger(root, model, found.Version, commit ?? await Clone.HeadAsync(ct), History);
        return found;
    }

    /// <summary>Refuses a version whose files differ from its ledger entry (exit 1, naming version and commit).</summary>
    /// <param name="history">The client's memory: a version it already found equal to its ledger line is not hashed again.</param>
    public static void CheckLedger(string root, string model, int version, string? commit, ZooHistory? history)
    {
        var problems = ZooLedger.CheckVersion(root, model, version, history);
        if (problems.Count > 0)
            throw new ZooRewrittenException($"{model} v{version} at zoo commit {commit ?? "(none)"} is not what was published:{Environment.NewLine}  - " +
                string.Join(Environment.NewLine + "  - ", problems) + $"{Environment.NewLine}A published version never changes, so it is refused. " +
                "Fix: revert the commit that changed it on the zoo's primary ('git log -- models/" + model + $"/v{version}' names it); " +
                "'modelpipe models verify' lists every difference.") { Model = model };
    }

    /// <summary>
    /// The version holding a training key in a zoo working tree, or null. The newest such version: a key
    /// is published twice only when its first image can never be deployed (no shell) and was packaged again.
    /// </summary>
    public static PublishedVersion? Find(string root, string model, string trainingKey, string? commit)
    {
        foreach (var v in ZooLayout.Versions(root, model).Reverse())
        {
            var path = ZooLayout.ManifestPath(root, model, v);
            if (File.Exists(path) && ZooLayout.Read<VersionManifest>(path).TrainingKey == trainingKey) return Load(root, model, v, commit);
        }
        return null;
    }

    internal static PublishedVersion Load(string root, string model, int version, string? commit)
    {
        var validation = Path.Combine(ZooLayout.VersionDir(root, model, version), ZooLayout.ValidationFile);
        return new PublishedVersion
        {
            Model = model,
            Version = version,
            Manifest = ZooLayout.Read<VersionManifest>(ZooLayout.ManifestPath(root, model, version)),
            Validation = File.Exists(validation) ? ZooLayout.Read<ZooValidation>(validation) : null,
            ZooCommit = commit,
            Status = Lifecycle.ZooLifecycle.StatusOf(root, model, version),
        };
    }
}
