using ModelPipeline.Errors;

namespace ModelPipeline.Zoo.Lifecycle;

/// <summary>
/// The mutable metadata of a model's versions, kept beside (never inside) the immutable <c>vN/</c>
/// folders, so the ledger and tamper checks are untouched by it. Each change is its own zoo commit,
/// so the file's git history is its history:
/// <code>
/// models/&lt;name&gt;/lifecycle.json   version → { state, reason, at, by }   (deprecated | yanked | archived)
/// models/&lt;name&gt;/tags.json        version → { key: value }              (free-form tags)
/// </code>
/// A version absent from <c>lifecycle.json</c> is active; one absent from <c>tags.json</c> has no tags.
/// </summary>
public static class ZooLifecycle
{
    public const string FileName = "lifecycle.json";
    public const string TagsFileName = "tags.json";

    public static string PathOf(string root, string model) => Path.Combine(ZooLayout.ModelDir(root, model), FileName);

    public static string TagsPathOf(string root, string model) =>
        Path.Combine(ZooLayout.ModelDir(root, model), TagsFileName);

    /// <summary>Every recorded (non-active) version status of a model, by version.</summary>
    public static SortedDictionary<int, VersionStatus> Read(string root, string model) =>
        File.Exists(PathOf(root, model))
            ? new SortedDictionary<int, VersionStatus>(
                ZooLayout.Read<Dictionary<int, VersionStatus>>(PathOf(root, model)))
            : new();

    /// <summary>The status of one version, or null when it is active.</summary>
    public static VersionStatus? StatusOf(string root, string model, int version) =>
        Read(root, model).TryGetValue(version, out var status) ? status : null;

    /// <summary>Every version's tags, by version.</summary>
    public static SortedDictionary<int, SortedDictionary<string, string>> ReadTags(string root, string model)
    {
        if (!File.Exists(TagsPathOf(root, model))) return new();
        var read = ZooLayout.Read<Dictionary<int, Dictionary<string, string>>>(TagsPathOf(root, model));
        return new(read.ToDictionary(p => p.Key,
            p => new SortedDictionary<string, string>(p.Value, StringComparer.Ordinal)));
    }

    /// <summary>The tags of one version (empty when it has none).</summary>
    public static IReadOnlyDictionary<string, string> TagsOf(string root, string model, int version) =>
        ReadTags(root, model).TryGetValue(version, out var tags) ? tags : new SortedDictionary<string, string>();

    /// <summary>Writes the statuses (the file is removed when every version is active again).</summary>
    public static void Write(string root, string model, SortedDictionary<int, VersionStatus> statuses)
    {
        if (statuses.Count == 0) File.Delete(PathOf(root, model));
        else ZooLayout.Write(PathOf(root, model), statuses);
    }

    /// <summary>Writes the tags (the file is removed when no version has a tag).</summary>
    public static void WriteTags(string root, string model,
        SortedDictionary<int, SortedDictionary<string, string>> tags)
    {
        foreach (var empty in tags.Where(t => t.Value.Count == 0).Select(t => t.Key).ToList()) tags.Remove(empty);
        if (tags.Count == 0) File.Delete(TagsPathOf(root, model));
        else ZooLayout.Write(TagsPathOf(root, model), tags);
    }

    /// <summary>
    /// Refuses a yanked or archived version unless it was asked for exactly (vN or a digest) and
    /// <paramref name="allowYanked"/> is set (exit 2, saying how). Returns the status (null: active).
    /// </summary>
    /// <param name="reference">What the caller asked for: vN, an alias or a digest (null: the default alias).</param>
    public static VersionStatus? Check(string root, string model, int version, string? reference, bool allowYanked)
    {
        var status = StatusOf(root, model, version);
        Require(model, version, status, reference, allowYanked);
        return status;
    }

    /// <summary><see cref="Check"/> with the status already read.</summary>
    public static void Require(string model, int version, VersionStatus? status, string? reference, bool allowYanked)
    {
        if (status is null || !status.IsYanked) return;
        var exact = reference is not null
            && (ZooLayout.ParseVersion(reference) == version || ZooLayout.IsDigest(reference));
        if (exact && allowYanked) return;
        var asked = reference is null ? "" : $"{model}@{reference} is v{version}: ";
        throw new InvalidInputException($"{asked}{model} v{version} is {Describe(status)}. " + (exact
            ? $"Fix: pick another version, or pass --allow-yanked to use v{version} anyway."
            : $"Fix: pick another version; to use v{version} anyway, ask for it exactly ({model}@v{version}) "
              + "with --allow-yanked.")) { Model = model };
    }

    /// <summary>"yanked on 2026-12-03 by Ada (reason: wrong labels)".</summary>
    public static string Describe(VersionStatus status) =>
        $"{status.State.ToString().ToLowerInvariant()} since {status.At:yyyy-MM-dd}"
        + (status.By is null ? "" : $" by {status.By}") + $" (reason: {status.Reason})";
}
