namespace ModelPipeline.Zoo;

/// <summary>
/// Derives the indexes from the version folders and aliases files, and checks that the committed
/// indexes are exactly what derivation gives (so index and folders can never disagree unnoticed).
/// </summary>
public static class ZooIndexer
{
    public static ModelIndex DeriveModel(string root, string model)
    {
        var aliases = ZooLayout.ReadAliases(root, model);
        var versions = ZooLayout.Versions(root, model).Select(v =>
        {
            var manifest = ZooLayout.Read<VersionManifest>(ZooLayout.ManifestPath(root, model, v));
            return new IndexedVersion
            {
                Version = v,
                Status = aliases.TryGetValue(ZooLayout.Latest, out var latest) && latest == v ? "current" : "superseded",
                CreatedAt = manifest.CreatedAt,
                TrainingKey = manifest.TrainingKey,
                Digest = manifest.Image.Digest,
                Reference = manifest.Image.Reference,
                StorageUri = manifest.Image.StorageUri,
                Aliases = aliases.Where(a => a.Value == v).Select(a => a.Key).ToList(),
            };
        }).ToList();
        return new ModelIndex { Model = model, Versions = versions, Aliases = aliases };
    }

    public static ZooIndex DeriveTop(string root) => new()
    {
        Models = ZooLayout.Models(root).Select(m =>
        {
            var index = DeriveModel(root, m);
            var latest = index.Aliases.TryGetValue(ZooLayout.Latest, out var l) ? l : (int?)null;
            var description = latest is null ? "" : ZooLayout.Read<VersionManifest>(ZooLayout.ManifestPath(root, m, latest.Value)).Description;
            return new ZooIndexEntry { Model = m, Description = description, Latest = latest, Versions = index.Versions.Count, Aliases = index.Aliases };
        }).ToList(),
    };

    /// <summary>Rewrites <c>models/&lt;name&gt;/index.json</c> and the top-level <c>index.json</c>.</summary>
    public static void Write(string root, string model)
    {
        ZooLayout.Write(ZooLayout.ModelIndexPath(root, model), DeriveModel(root, model));
        ZooLayout.Write(ZooLayout.IndexPath(root), DeriveTop(root));
    }

    /// <summary>Every disagreement between folders, aliases and indexes (empty when consistent).</summary>
    public static IReadOnlyList<string> Verify(string root)
    {
        var problems = new List<string>();
        foreach (var model in ZooLayout.Models(root))
        {
            var versions = ZooLayout.Versions(root, model);
            foreach (var v in versions)
            {
                var path = ZooLayout.ManifestPath(root, model, v);
                if (!File.Exists(path)) { problems.Add($"models/{model}/v{v}: manifest.json is missing"); continue; }
                var manifest = ZooLayout.Read<VersionManifest>(path);
                if (manifest.Model != model || manifest.Version != v)
                    problems.Add($"models/{model}/v{v}/manifest.json names {manifest.Model} v{manifest.Version}");
            }
            foreach (var (alias, v) in ZooLayout.ReadAliases(root, model))
                if (!versions.Contains(v)) problems.Add($"models/{model}/aliases.json: alias '{alias}' points to v{v}, which does not exist");
            if (problems.Count > 0) continue;
            Compare(problems, ZooLayout.ModelIndexPath(root, model), ZooLayout.ToJson(DeriveModel(root, model)), $"models/{model}/index.json");
        }
        if (problems.Count == 0 && (ZooLayout.Models(root).Count > 0 || File.Exists(ZooLayout.IndexPath(root))))
            Compare(problems, ZooLayout.IndexPath(root), ZooLayout.ToJson(DeriveTop(root)), "index.json");
        return problems;
    }

    private static void Compare(List<string> problems, string path, string expected, string display)
    {
        if (!File.Exists(path)) problems.Add($"{display} is missing");
        else if (File.ReadAllText(path).ReplaceLineEndings("\n") != expected) problems.Add($"{display} does not match the version folders and aliases");
    }
}
