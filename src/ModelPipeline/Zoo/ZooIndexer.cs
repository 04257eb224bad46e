namespace ModelPipeline.Zoo;

/// <summary>
/// Derives the indexes from the version folders and aliases files, and checks that the committed
/// indexes are exactly what derivation gives (so index and folders can never disagree unnoticed).
/// A publish touches one model: it rewrites that model's index and its entry in the top-level index, and
/// checks that model only (<see cref="VerifyModel"/>); <c>modelpipe models verify</c> checks them all.
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

    public static ZooIndex DeriveTop(string root) => new() { Models = ZooLayout.Models(root).Select(m => DeriveEntry(root, m)).ToList() };

    /// <summary>One model's entry in the top-level index.</summary>
    public static ZooIndexEntry DeriveEntry(string root, string model, ModelIndex? index = null)
    {
        index ??= DeriveModel(root, model);
        var latest = index.Aliases.TryGetValue(ZooLayout.Latest, out var l) ? l : (int?)null;
        var description = latest is null ? "" : ZooLayout.Read<VersionManifest>(ZooLayout.ManifestPath(root, model, latest.Value)).Description;
        return new ZooIndexEntry { Model = model, Description = description, Latest = latest, Versions = index.Versions.Count, Aliases = index.Aliases };
    }

    /// <summary>
    /// Rewrites <c>models/&lt;name&gt;/index.json</c> and that model's entry in the top-level <c>index.json</c>; the
    /// other entries are kept as they are (derived from scratch only when the top-level index is missing or unreadable).
    /// </summary>
    public static void Write(string root, string model)
    {
        var index = DeriveModel(root, model);
        if (Directory.Exists(ZooLayout.ModelDir(root, model))) ZooLayout.Write(ZooLayout.ModelIndexPath(root, model), index);
        ZooLayout.Write(ZooLayout.IndexPath(root), WithEntry(root, model, index));
    }

    private static ZooIndex WithEntry(string root, string model, ModelIndex index)
    {
        if (ReadTop(root) is not { } top) return DeriveTop(root);
        var others = top.Models.Where(e => e.Model != model);
        var entries = Directory.Exists(ZooLayout.ModelDir(root, model)) ? others.Append(DeriveEntry(root, model, index)) : others;
        return new ZooIndex { Models = entries.OrderBy(e => e.Model, StringComparer.Ordinal).ToList() };
    }

    private static ZooIndex? ReadTop(string root)
    {
        if (!File.Exists(ZooLayout.IndexPath(root))) return null;
        try
        {
            return ZooLayout.Read<ZooIndex>(ZooLayout.IndexPath(root));
        }
        catch (Errors.OperationFailedException)
        {
            return null;
        }
    }

    /// <summary>Every disagreement between folders, aliases and indexes (empty when consistent).</summary>
    public static IReadOnlyList<string> Verify(string root)
    {
        var problems = new List<string>();
        foreach (var model in ZooLayout.Models(root)) problems.AddRange(VerifyFolders(root, model));
        if (problems.Count == 0 && (ZooLayout.Models(root).Count > 0 || File.Exists(ZooLayout.IndexPath(root))))
            Compare(problems, ZooLayout.IndexPath(root), ZooLayout.ToJson(DeriveTop(root)), "index.json");
        return problems;
    }

    /// <summary>
    /// The disagreements of one model: its folders, aliases and index, and its entry in the top-level index
    /// (what a publish of that model checks, at a cost that does not grow with the zoo).
    /// </summary>
    public static IReadOnlyList<string> VerifyModel(string root, string model)
    {
        if (!Directory.Exists(ZooLayout.ModelDir(root, model))) return [];
        var problems = VerifyFolders(root, model).ToList();
        if (problems.Count > 0) return problems;
        if (ReadTop(root) is not { } top)
            problems.Add(File.Exists(ZooLayout.IndexPath(root)) ? "index.json is unreadable" : "index.json is missing");
        else if (top.Models.FirstOrDefault(e => e.Model == model) is not { } entry)
            problems.Add($"index.json has no entry for {model}");
        else if (ZooLayout.ToJson(entry) != ZooLayout.ToJson(DeriveEntry(root, model)))
            problems.Add($"index.json: the entry of {model} does not match its version folders and aliases");
        return problems;
    }

    private static List<string> VerifyFolders(string root, string model)
    {
        var problems = new List<string>();
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
        if (problems.Count == 0)
            Compare(problems, ZooLayout.ModelIndexPath(root, model), ZooLayout.ToJson(DeriveModel(root, model)), $"models/{model}/index.json");
        return problems;
    }

    private static void Compare(List<string> problems, string path, string expected, string display)
    {
        if (!File.Exists(path)) problems.Add($"{display} is missing");
        else if (File.ReadAllText(path).ReplaceLineEndings("\n") != expected) problems.Add($"{display} does not match the version folders and aliases");
    }
}
