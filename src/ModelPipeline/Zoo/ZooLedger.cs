using System.Text.Json;
using System.Text.Json.Serialization;
using ModelPipeline.RunState;

namespace ModelPipeline.Zoo;

/// <summary>
/// One line of <c>models/&lt;name&gt;/ledger.jsonl</c>: a published version and the sha256 of each of its files.
/// </summary>
public sealed record LedgerEntry
{
    public required string Model { get; init; }
    public required int Version { get; init; }

    /// <summary>Every file of the version folder (relative, '/' separators) → sha256 (hex).</summary>
    public required SortedDictionary<string, string> Files { get; init; }

    /// <summary>The hash of the entry before it in the ledger (null for the first).</summary>
    public string? Previous { get; init; }

    /// <summary>sha256 of this entry's canonical JSON without <see cref="Hash"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Hash { get; init; }

    /// <remarks>Files are put in ordinal order first: a deserialized dictionary may compare by culture.</remarks>
    public string ComputeHash() => Digests.Sha256(JsonSerializer.Serialize(
        this with { Hash = null, Files = new SortedDictionary<string, string>(Files, StringComparer.Ordinal) },
        ZooLedger.Json));
}

/// <summary>
/// The ledger of a model: an append-only hash chain of its published versions. Each publishing
/// commit appends the new version's entry (its files' sha256 and the previous entry's hash), so a
/// version folder that changes after publication no longer matches its entry, and an entry that is
/// edited breaks the chain after it. Git history adds the rest: a client that remembers a commit
/// refuses a tip that does not descend from it (<see cref="ZooHistory"/>).
/// </summary>
public static class ZooLedger
{
    public const string FileName = "ledger.jsonl";

    internal static readonly JsonSerializerOptions Json = new(RunStateStore.Json)
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string PathOf(string root, string model) =>
        System.IO.Path.Combine(ZooLayout.ModelDir(root, model), FileName);

    /// <summary>The entries of a model's ledger (none without one); a line that is no entry is a problem.</summary>
    public static IReadOnlyList<LedgerEntry> Read(string root, string model, List<string>? problems = null)
    {
        var path = PathOf(root, model);
        if (!File.Exists(path)) return [];
        return Parse(File.ReadAllText(path), $"models/{model}/{FileName}", problems);
    }

    public static IReadOnlyList<LedgerEntry> Parse(string text, string display, List<string>? problems)
    {
        var entries = new List<LedgerEntry>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            try
            {
                entries.Add(JsonSerializer.Deserialize<LedgerEntry>(lines[i], Json) ?? throw new JsonException("null"));
            }
            catch (JsonException ex)
            {
                var problem = $"{display} line {i + 1} is not a ledger entry ({ex.Message})";
                (problems ?? throw new Errors.OperationFailedException(
                    $"{problem}. Fix: restore the ledger from the zoo's history.")).Add(problem);
            }
        }
        return entries;
    }

    /// <summary>The entry for the version folder as it is now, chained to <paramref name="previous"/>.</summary>
    public static LedgerEntry Entry(string root, string model, int version, string? previous)
    {
        var dir = ZooLayout.VersionDir(root, model, version);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var rel in Digests.Files(dir)) files[rel] = Sha256(System.IO.Path.Combine(dir, rel));
        var entry = new LedgerEntry { Model = model, Version = version, Files = files, Previous = previous };
        return entry with { Hash = entry.ComputeHash() };
    }

    /// <summary>Appends entries for <paramref name="versions"/> (in order) to the model's ledger.</summary>
    public static void Append(string root, string model, IEnumerable<int> versions)
    {
        var entries = Read(root, model);
        var previous = entries.Count == 0 ? null : entries[^1].Hash;
        var lines = new System.Text.StringBuilder();
        foreach (var v in versions)
        {
            var entry = Entry(root, model, v, previous);
            lines.Append(JsonSerializer.Serialize(entry, Json)).Append('\n');
            previous = entry.Hash;
        }
        File.AppendAllText(PathOf(root, model), lines.ToString());
    }

    /// <summary>
    /// One version against its entry: the folder's files and their sha256, and the entry's own hash.
    /// A model without a ledger (published before ledgers existed) has nothing to check here;
    /// <see cref="VerifyModel"/> reports it.
    /// </summary>
    /// <param name="history">
    /// When given: a version it already found equal to this line is not hashed again; one found equal is remembered.
    /// </param>
    public static IReadOnlyList<string> CheckVersion(string root, string model, int version, ZooHistory? history = null)
    {
        var problems = new List<string>();
        var entries = Read(root, model, problems);
        if (problems.Count > 0 || !File.Exists(PathOf(root, model))) return problems;
        var entry = entries.LastOrDefault(e => e.Version == version);
        if (entry is null) return [$"models/{model}/v{version} has no entry in models/{model}/{FileName}"];
        if (history?.IsVerified(entry) == true && entry.Hash == entry.ComputeHash()) return problems;
        Compare(root, entry, problems);
        if (problems.Count == 0) history?.MarkVerified(entry);
        return problems;
    }

    /// <summary>A model's whole ledger: the chain, one entry per version folder, each folder against it.</summary>
    public static IReadOnlyList<string> VerifyModel(string root, string model)
    {
        var problems = new List<string>();
        var display = $"models/{model}/{FileName}";
        var versions = ZooLayout.Versions(root, model);
        if (!File.Exists(PathOf(root, model)))
        {
            if (versions.Count > 0)
                problems.Add($"models/{model} has no {FileName}: its versions " +
                    $"({string.Join(", ", versions.Select(v => $"v{v}"))}) are not recorded");
            return problems;
        }
        var entries = Read(root, model, problems);
        string? previous = null;
        foreach (var (entry, i) in entries.Select((e, i) => (e, i)))
        {
            if (entry.Model != model) problems.Add($"{display} entry {i + 1} names the model '{entry.Model}'");
            var which = $"{display} entry {i + 1} (v{entry.Version})";
            if (entry.Previous != previous) problems.Add($"{which} does not chain to the entry before it");
            if (entry.Hash != entry.ComputeHash()) problems.Add($"{which} does not match its hash");
            previous = entry.Hash;
        }
        foreach (var twice in entries.GroupBy(e => e.Version).Where(g => g.Count() > 1))
            problems.Add($"{display} records v{twice.Key} {twice.Count()} times");
        foreach (var v in versions.Where(v => entries.All(e => e.Version != v)))
            problems.Add($"models/{model}/v{v} has no entry in {display}");
        foreach (var entry in entries.DistinctBy(e => e.Version))
        {
            if (!versions.Contains(entry.Version))
                problems.Add($"models/{model}/v{entry.Version} is recorded in {display} but its folder is gone");
            else Compare(root, entry, problems);
        }
        return problems;
    }

    private static void Compare(string root, LedgerEntry entry, List<string> problems)
    {
        var where = $"models/{entry.Model}/v{entry.Version}";
        if (entry.Hash != entry.ComputeHash())
        {
            problems.Add($"{where}: its entry in models/{entry.Model}/{FileName} does not match its hash " +
                "(the ledger was edited)");
            return;
        }
        var dir = ZooLayout.VersionDir(root, entry.Model, entry.Version);
        var present = Directory.Exists(dir) ? Digests.Files(dir).ToHashSet(StringComparer.Ordinal) : [];
        foreach (var (rel, sha) in entry.Files)
        {
            if (!present.Contains(rel)) problems.Add($"{where}/{rel} is missing (the ledger records it)");
            else if (Sha256(System.IO.Path.Combine(dir, rel)) != sha)
                problems.Add($"{where}/{rel} differs from the ledger's record (sha256 {sha[..12]})");
        }
        foreach (var rel in present.Where(p => !entry.Files.ContainsKey(p)).Order(StringComparer.Ordinal))
            problems.Add($"{where}/{rel} was added after publication (the ledger does not record it)");
    }

    private static string Sha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16,
            FileOptions.SequentialScan);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }
}
