namespace ModelPipeline.Zoo;

/// <summary>One version whose image <c>modelpipe gc</c> deleted: the version (its record stays) and what was
/// freed.</summary>
public sealed record CollectedImage
{
    public required int Version { get; init; }
    public required string Digest { get; init; }
    public required DateTimeOffset CollectedAt { get; init; }

    /// <summary>Manifest and blob bytes no longer held (a registry frees blobs in its own garbage
    /// collection).</summary>
    public long Bytes { get; init; }
}

/// <summary>
/// <c>models/&lt;name&gt;/collected.json</c>: the versions whose image garbage collection deleted, by version.
/// It lives beside aliases.json, outside the immutable version folders, so the version's record and its
/// ledger line stay as published; entries are only added. <c>models show</c> says "image collected",
/// <c>models verify</c> does not count the missing image as lost, and <c>pull</c> explains why it is gone.
/// </summary>
public static class CollectedImages
{
    public const string FileName = "collected.json";

    public static string PathFor(string root, string model) => Path.Combine(ZooLayout.ModelDir(root, model), FileName);

    public static IReadOnlyDictionary<int, CollectedImage> Read(string root, string model)
    {
        var path = PathFor(root, model);
        return File.Exists(path)
            ? ZooLayout.Read<List<CollectedImage>>(path).ToDictionary(c => c.Version)
            : new Dictionary<int, CollectedImage>();
    }

    /// <summary>Adds entries (a version already listed keeps its first entry); true when the file changed.</summary>
    public static bool Add(string root, string model, IEnumerable<CollectedImage> added)
    {
        var all = Read(root, model).ToDictionary();
        var changed = false;
        foreach (var entry in added) changed |= all.TryAdd(entry.Version, entry);
        if (changed) ZooLayout.Write(PathFor(root, model), all.Values.OrderBy(c => c.Version).ToList());
        return changed;
    }
}
