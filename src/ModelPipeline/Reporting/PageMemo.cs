using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelPipeline.RunState;

namespace ModelPipeline.Reporting;

/// <summary>
/// What each model page of a report was drawn from, kept in the report folder (<see cref="FileName"/>): the sha256 of
/// the page's inputs (<see cref="Inputs"/>), the run-state files its versions' validation was read from, and the
/// model's row of the index. A model whose inputs and files are as the memo says, and whose page is there, is neither
/// read from the zoo nor drawn again (<see cref="ReportData.Kept"/>): a report after a Publish that changed one model
/// of 1,000 reads and draws one. The memo is written atomically, and before any page it no longer vouches for is
/// written: a killed report leaves a memo that names no page other than the one on disk. It keeps the GitOps history
/// as read up to its tip too (<see cref="History.PinTimeline"/>), which the next report continues.
/// </summary>
public static class PageMemo
{
    public const string FileName = ".modelpipe-pages.json";

    /// <summary>This build of the report's code: a new modelpipe draws every page again.</summary>
    private static readonly string Build = typeof(PageMemo).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    /// <summary>One model's page as it was drawn.</summary>
    /// <param name="Files">Run-state files read for it, relative to the report folder, each with its
    /// <see cref="Stamp"/>.</param>
    public sealed record Entry(string Inputs, IReadOnlyDictionary<string, string> Files, IndexEntry Index);

    /// <summary>What an existing report kept: its pages' entries by model, and the GitOps history it read (null: none
    /// read).</summary>
    public sealed record Kept(IReadOnlyDictionary<string, Entry> Models, History.PinTimeline? Timeline);

    private sealed record Document(string Build, SortedDictionary<string, Entry> Models,
        History.PinTimeline? Timeline = null);

    /// <summary>The git tree of each model's folder in the zoo at <paramref name="commit"/> (one git process);
    /// empty without a commit or git history, which draws every page.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> TreesAsync(string zooRoot, string? commit,
        CancellationToken ct)
    {
        var trees = new Dictionary<string, string>(StringComparer.Ordinal);
        if (commit is null) return trees;
        string listing;
        try
        {
            listing = await new Git.GitCli().RunAsync(zooRoot, ["ls-tree", "-d", commit, "models/"], ct);
        }
        catch (Errors.PipelineException)
        {
            return trees;
        }
        foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "040000 tree <oid>\tmodels/<name>"
            var tab = line.IndexOf('\t');
            var fields = tab < 0 ? [] : line[..tab].Split(' ');
            var path = tab < 0 ? "" : line[(tab + 1)..];
            if (fields.Length == 3 && fields[1] == "tree" && path.StartsWith("models/", StringComparison.Ordinal))
                trees[path["models/".Length..]] = fields[2];
        }
        return trees;
    }

    /// <summary>
    /// The sha256 of everything a model's page and index row are drawn from but the run-state files: its folder in
    /// the zoo (a git tree), what GitOps deploys and its promotion history, the site's header, the archived switch
    /// and this build.
    /// </summary>
    public static string Inputs(string tree, int? test, int? prod, bool deployedRead,
        IEnumerable<History.HistoryEntry> history, string historySource, string zooSource, bool fleet, bool archived)
    {
        var text = new StringBuilder("pages/1\n").Append(Build).Append('\n').Append(tree).Append('\n')
            .Append(CultureInfo.InvariantCulture, $"{deployedRead} {test} {prod} {fleet} {archived}\n")
            .Append(zooSource).Append('\n').Append(historySource).Append('\n')
            .Append(JsonSerializer.Serialize(history, MemoJson));
        return Digests.Sha256(text.ToString());
    }

    /// <summary>A file's length and write time, or "absent".</summary>
    public static string Stamp(string path)
    {
        var file = new FileInfo(path);
        return file.Exists
            ? file.Length.ToString(CultureInfo.InvariantCulture) + " "
                + file.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)
            : "absent";
    }

    /// <summary>The memo of an existing report (empty when there is none, or it is unreadable or of another
    /// build).</summary>
    public static Kept Read(string destination)
    {
        var path = Path.Combine(destination, FileName);
        if (!File.Exists(Path.Combine(destination, ReportWriter.Marker)) || !File.Exists(path)) return Empty;
        try
        {
            var document = JsonSerializer.Deserialize<Document>(File.ReadAllBytes(path), MemoJson);
            return document?.Build == Build && document.Models is { } models
                ? new Kept(models, document.Timeline) : Empty;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            return Empty; // every page is drawn again, and the memo written anew
        }
    }

    /// <summary>Whether <paramref name="model"/>'s page in <paramref name="destination"/> is as drawn from
    /// <paramref name="inputs"/>.</summary>
    public static bool Keeps(IReadOnlyDictionary<string, Entry> memo, string destination, string model,
        string? inputs) =>
        inputs is not null && memo.TryGetValue(model, out var entry) && entry.Inputs == inputs
        && entry.Files.All(f => Stamp(Path.GetFullPath(f.Key, destination)) == f.Value)
        && File.Exists(Path.Combine(destination, "models", model + ".html"));

    /// <summary>The entry of a model drawn now (null when its inputs are not known).</summary>
    public static Entry? For(ModelReport m, string? inputs, string destination) => inputs is null ? null
        : new Entry(inputs, m.RunStateFiles.ToDictionary(f => Path.GetRelativePath(destination, f), Stamp,
            StringComparer.Ordinal), IndexPage.Entry(m));

    /// <summary>Writes the memo atomically (not when it is already on disk as it is).</summary>
    public static void Write(string destination, IEnumerable<KeyValuePair<string, Entry>> entries,
        History.PinTimeline? timeline)
    {
        var models = new SortedDictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var (name, entry) in entries) models[name] = entry;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new Document(Build, models, timeline), MemoJson);
        var path = Path.Combine(destination, FileName);
        var file = new FileInfo(path);
        if (file.Exists && file.Length == bytes.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes)) return;
        AtomicFile.WriteAllBytes(path, bytes);
    }

    private static readonly JsonSerializerOptions MemoJson = new(JsonSerializerDefaults.Web);

    private static readonly Kept Empty = new(new Dictionary<string, Entry>(), null);
}
