namespace ModelPipeline.Zoo;

public sealed partial class ZooRepository
{
    /// <summary>The version of <paramref name="model"/> that holds <paramref name="trainingKey"/> on the primary's tip, or null.</summary>
    public async Task<PublishedVersion?> FindByKeyAsync(string model, string trainingKey, CancellationToken ct)
    {
        using var zoo = await ReadAsync(ct);
        return Find(zoo.Root, model, trainingKey, zoo.Commit);
    }

    /// <summary>The version <paramref name="version"/> of <paramref name="model"/> on the primary's tip, or null.</summary>
    public async Task<PublishedVersion?> FindVersionAsync(string model, int version, CancellationToken ct)
    {
        using var zoo = await ReadAsync(ct);
        return File.Exists(ZooLayout.ManifestPath(zoo.Root, model, version)) ? Load(zoo.Root, model, version, zoo.Commit) : null;
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

    private static PublishedVersion Load(string root, string model, int version, string? commit)
    {
        var validation = Path.Combine(ZooLayout.VersionDir(root, model, version), ZooLayout.ValidationFile);
        return new PublishedVersion
        {
            Model = model,
            Version = version,
            Manifest = ZooLayout.Read<VersionManifest>(ZooLayout.ManifestPath(root, model, version)),
            Validation = File.Exists(validation) ? ZooLayout.Read<ZooValidation>(validation) : null,
            ZooCommit = commit,
        };
    }
}
