namespace ModelPipeline.Ci;

/// <summary>
/// What a CI job hands the next one: the run records under <c>artifacts/</c> (JSON, text and the run
/// journal: KBs per model, whatever the model's size), never model bytes. A record names files
/// relative to the project root or by digest, so the next job may run in another folder or on
/// another runner. Left out: trained files (<c>runs/&lt;key&gt;/output/</c>, <c>retrained/</c>), the
/// linked data (<c>data/</c>), download parts, locks, the HTML report (its own artifact) and the
/// target graph.
/// </summary>
public static class RunRecords
{
    /// <summary>The folder the records live in, relative to the project root.</summary>
    public const string Folder = "artifacts/";

    /// <summary>The budget of one model's records (bytes): what the CI artifacts may carry per model.</summary>
    public const long BudgetBytesPerModel = 1L << 20;

    /// <summary>Glob patterns (relative to the project root) a CI's artifact upload leaves out.</summary>
    public static readonly string[] Excluded =
    [
        "artifacts/*/runs/*/output/**",
        "artifacts/*/runs/*/retrained/**",
        "artifacts/*/runs/*/data/**",
        "artifacts/*/runs/*/*.part",
        "artifacts/*/runs/*/output.*.tmp/**",
        "artifacts/*/locks/**",
        "artifacts/report/**",
        "artifacts/ci/**",
        "artifacts/test-results/**",
    ];

    private static readonly string[] ModelFolders = ["output", "retrained", "data"];
    private static readonly string[] TopFolders = ["report", "ci", "test-results"];

    /// <summary>Whether a path under artifacts/ (relative to it, forward slashes) is a record a job hands on.</summary>
    public static bool IsRecord(string relative)
    {
        var parts = relative.Split('/');
        if (parts.Length > 1 && TopFolders.Contains(parts[0])) return false;
        if (parts.Length > 2 && parts[1] == "locks") return false;
        if (parts.Length > 4 && parts[1] == "runs"
            && (ModelFolders.Contains(parts[3]) || parts[3].StartsWith("output.", StringComparison.Ordinal))) return false;
        return !(parts.Length == 4 && parts[1] == "runs" && parts[3].EndsWith(".part", StringComparison.Ordinal));
    }

    /// <summary>The records under an artifacts folder, relative to it (forward slashes), in ordinal order.</summary>
    public static IReadOnlyList<string> List(string artifactsDir) =>
        !Directory.Exists(artifactsDir) ? []
        : Directory.EnumerateFiles(artifactsDir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(artifactsDir, f).Replace('\\', '/'))
            .Where(IsRecord).Order(StringComparer.Ordinal).ToList();

    /// <summary>Copies the records of one artifacts folder into another (as a CI artifact hand-off does); returns the bytes copied.</summary>
    public static long Copy(string fromArtifacts, string toArtifacts)
    {
        long bytes = 0;
        foreach (var relative in List(fromArtifacts))
        {
            var target = Path.Combine(toArtifacts, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(fromArtifacts, relative), target, overwrite: true);
            bytes += new FileInfo(target).Length;
        }
        return bytes;
    }

    /// <summary>The bytes of each model's records (the run journal and other shared records count as "(run)").</summary>
    public static IReadOnlyDictionary<string, long> BytesByModel(string artifactsDir)
    {
        var sizes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var relative in List(artifactsDir))
        {
            var owner = relative.Split('/')[0] is var first && first != "runs" && relative.Contains('/') ? first : "(run)";
            sizes[owner] = sizes.GetValueOrDefault(owner) + new FileInfo(Path.Combine(artifactsDir, relative)).Length;
        }
        return sizes;
    }
}
