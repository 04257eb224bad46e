using System.Collections.Concurrent;
using System.IO.Enumeration;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Git;
using ModelPipeline.GitOps;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Zoo;

namespace ModelPipeline.Settling;

/// <summary>
/// Which models a Publish run passes over: a model every step of an earlier run found (or left) up to date, whose
/// inputs are all as that run left them, is "settled", and the steps of the chain do not look at it again. Its
/// fingerprint covers everything the steps read about it: the tool's build, the resolved pipeline settings and
/// <c>MODELPIPE_*</c> variables (secret values left out), its definition folder (each file's path, length and write
/// time), its own records in the artifacts folder, its folder in the zoo (git tree id at the tip, after the sync and
/// the zoo's history check), and its folders and promotion branches in the GitOps repository. Anything else changes
/// the fingerprint and the model goes through every step as before.
/// </summary>
/// <remarks>
/// Files, all under <c>artifacts/.settled/</c> (deleting artifacts/ forgets them): <c>models.json</c>, each settled
/// model's fingerprint and the run that recorded it; <c>run-&lt;id&gt;.json</c>, per run: the models it settled at its
/// start, the definition part of the others' fingerprints, and which chain steps passed each model. The last step of
/// the chain (<c>pr</c>) records a model only when every step of this run passed it and its definition did not change
/// during the run; a failed, warned or killed run records nothing for the models it did not finish.
/// </remarks>
public static partial class Settlement
{
    /// <summary>The per-model verbs of the Publish chain, in order; the last one records.</summary>
    public static readonly IReadOnlyList<string> Chain =
        ["fetch", "train", "validate", "package", "serve-check", "push", "gitops", "pr"];

    private const string Format = "modelpipe-settle-1";

    private static string Dir(string artifactsDir) => Path.Combine(artifactsDir, ".settled");

    private static string MemoPath(string artifactsDir) => Path.Combine(Dir(artifactsDir), "models.json");

    private static string RunPath(string artifactsDir, string runId) =>
        Path.Combine(Dir(artifactsDir), $"run-{runId}.json");

    /// <summary>A settled model: its whole fingerprint, the run that recorded it, and the parts a definition check
    /// needs (its definition folder's fingerprint and the global one).</summary>
    public sealed record Entry(string Fingerprint, string RunId, string Definition = "", string Global = "");

    public sealed class RunFile
    {
        /// <summary>Model → the run that recorded it settled.</summary>
        public Dictionary<string, string> Settled { get; init; } = new(StringComparer.Ordinal);

        /// <summary>Model → the fingerprint of its definition folder when this run started on it.</summary>
        public Dictionary<string, string> Definitions { get; init; } = new(StringComparer.Ordinal);

        /// <summary>The tool build, settings and variables this run started with (<see cref="Global"/>).</summary>
        public string Global { get; set; } = "";

        /// <summary>Model → the chain steps that passed it (ok or skipped) in this run.</summary>
        public Dictionary<string, List<string>> Passed { get; init; } = new(StringComparer.Ordinal);
    }

    /// <summary>
    /// The run's settlement, made by its first chain step (which syncs the zoo and GitOps clones to read their state)
    /// and read by the later ones.
    /// </summary>
    public static async Task<RunFile> ForRunAsync(PipelineConfig config, string runId,
        IReadOnlyCollection<string> models, IPipelineReporter reporter, CancellationToken ct)
    {
        var path = RunPath(config.ArtifactsDir, runId);
        if (Read<RunFile>(path) is { } existing) return existing;
        var run = new RunFile();
        var memo = Read<Dictionary<string, Entry>>(MemoPath(config.ArtifactsDir)) ?? [];
        var global = Global(config);
        run.Global = global;
        // A listing made moments ago by this process (Check's look at the definitions) is used: an edit after it is
        // then seen by the next run, as an edit after this moment is.
        foreach (var model in models)
            run.Definitions[model] =
                Seen.TryRemove((config.RepoRoot, model), out var seen) ? seen : Definition(config, model);
        if (models.Any(memo.ContainsKey))
        {
            try
            {
                var now = await FingerprintsAsync(config, [.. models.Where(memo.ContainsKey)], global, run.Definitions,
                    sync: true, reporter, ct);
                foreach (var (model, fingerprint) in now)
                    if (memo[model].Fingerprint == fingerprint) run.Settled[model] = memo[model].RunId;
            }
            catch (Exception ex) when (ex is PipelineException or IOException or UnauthorizedAccessException)
            {
                // The steps meet the same problem and report it on each model; nothing is settled.
                reporter.Warning(null, $"no model is taken as settled in this run: {ex.Message.Split('\n')[0]}");
            }
        }
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(run, RunStateStore.Json));
        return run;
    }

    /// <summary>Notes which models a chain step passed (ok or skipped) in this run.</summary>
    public static void Passed(PipelineConfig config, string runId, string verb, IEnumerable<string> models)
    {
        var path = RunPath(config.ArtifactsDir, runId);
        if (Read<RunFile>(path) is not { } run) return;
        foreach (var model in models)
        {
            if (!run.Passed.TryGetValue(model, out var verbs)) run.Passed[model] = verbs = [];
            if (!verbs.Contains(verb)) verbs.Add(verb);
        }
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(run, RunStateStore.Json));
    }

    /// <summary>
    /// Records as settled each model every chain step passed in this run, with the fingerprint of the state the run
    /// left (the clones as they are, not synced again: what this run saw). Returns how many were recorded.
    /// </summary>
    public static async Task<int> RecordAsync(PipelineConfig config, string runId, IPipelineReporter reporter,
        CancellationToken ct)
    {
        var path = RunPath(config.ArtifactsDir, runId);
        if (Read<RunFile>(path) is not { } run) return 0;
        var done = run.Passed.Where(p => Chain.All(p.Value.Contains) && run.Definitions.ContainsKey(p.Key))
            .Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        // A definition edited while the run worked on it is seen again by the next run, and so is every model when
        // the settings or variables changed during the run.
        var global = Global(config);
        done = global != run.Global ? [] : done.Where(m => Definition(config, m) == run.Definitions[m]).ToList();
        Dictionary<string, string> fingerprints;
        try
        {
            fingerprints = done.Count == 0
                ? []
                : await FingerprintsAsync(config, done, global, run.Definitions, sync: false, reporter, ct);
        }
        catch (Exception ex) when (ex is PipelineException or IOException or UnauthorizedAccessException)
        {
            reporter.Warning(null, $"the settled models were not recorded: {ex.Message.Split('\n')[0]}");
            return 0;
        }
        var memoPath = MemoPath(config.ArtifactsDir);
        using (await FileLock.AcquireAsync(memoPath + ".lock", TimeSpan.FromMinutes(2), "the settled models", ct))
        {
            var memo = Read<Dictionary<string, Entry>>(memoPath) ?? [];
            foreach (var (model, fingerprint) in fingerprints)
                memo[model] = new Entry(fingerprint, runId, run.Definitions[model], global);
            if (fingerprints.Count > 0)
                AtomicFile.WriteAllText(memoPath, JsonSerializer.Serialize(
                    new SortedDictionary<string, Entry>(memo, StringComparer.Ordinal), RunStateStore.Json));
        }
        File.Delete(path);
        foreach (var old in Directory.GetFiles(Dir(config.ArtifactsDir), "run-*.json"))
            if (File.GetLastWriteTimeUtc(old) < DateTime.UtcNow.AddDays(-2)) File.Delete(old);
        return fingerprints.Count;
    }

    /// <summary>
    /// Which models' definitions an earlier run checked and recorded settled, unchanged since (same folder listing,
    /// tool build and settings): their schema and rules need not run again. Read only; computed on first use.
    /// </summary>
    public static Func<string, bool> CheckedDefinitions(PipelineConfig config)
    {
        var entries = new Lazy<Dictionary<string, Entry>>(() =>
            Read<Dictionary<string, Entry>>(MemoPath(config.ArtifactsDir)) ?? []);
        var global = new Lazy<string>(() => Global(config)); // not worked out where nothing was settled
        return model =>
        {
            if (!entries.Value.TryGetValue(model, out var entry) || entry.Definition.Length == 0
                || entry.Global != global.Value) return false;
            var now = Definition(config, model);
            Seen[(config.RepoRoot, model)] = now;
            return entry.Definition == now;
        };
    }

    /// <summary>Definition listings made by <see cref="CheckedDefinitions"/>, each used once by the run's
    /// settling.</summary>
    private static readonly ConcurrentDictionary<(string Root, string Model), string> Seen = new();

    private static async Task<Dictionary<string, string>> FingerprintsAsync(PipelineConfig config, List<string> models,
        string global, Dictionary<string, string> definitions, bool sync, IPipelineReporter reporter,
        CancellationToken ct)
    {
        // The models' own records are listed while the clones sync (other processes, other folders): the cores share
        // the 1,000 folder walks and the git processes' waits.
        var listings = Task.Run(() =>
        {
            var texts = new string[models.Count];
            Parallel.For(0, models.Count, new ParallelOptions { CancellationToken = ct }, i =>
            {
                var text = new StringBuilder("artifacts\n");
                Listing(text, Path.Combine(config.ArtifactsDir, models[i]), skip: "locks");
                texts[i] = text.ToString();
            });
            return texts;
        }, ct);
        var git = new GitCli();
        var zooSide = ZooTreesAsync(config, git, sync, reporter, ct);
        var gitopsSide = GitOpsTreesAsync(config, git, sync, reporter, ct);
        await Task.WhenAll(zooSide, gitopsSide, listings); // each finished (and its clone's lock released) before a throw
        var zooTrees = zooSide.Result;
        var (gitopsTrees, gitopsRefs) = gitopsSide.Result;
        var artifacts = listings.Result;
        var remote = new Dictionary<string, StringBuilder>(StringComparer.Ordinal);
        void Add(string model, string line)
        {
            if (!remote.TryGetValue(model, out var text)) remote[model] = text = new StringBuilder();
            text.Append(line).Append('\n');
        }
        foreach (var line in Lines(zooTrees))
            if (line.Split('\t') is [var meta, var p] && p.StartsWith("models/", StringComparison.Ordinal))
                Add(p["models/".Length..], "zoo " + meta);
        foreach (var line in Lines(gitopsTrees))
            if (line.Split('\t') is [var meta, var p] && p.Split('/') is [var environment, var model])
                Add(model, $"gitops {environment} {meta}");
        foreach (var line in Lines(gitopsRefs))
            if (PromotionRef().Match(line) is { Success: true } m)
                Add(m.Groups["model"].Value, "ref " + line);

        var fingerprints = new string[models.Count];
        for (var i = 0; i < models.Count; i++)
        {
            var model = models[i];
            fingerprints[i] = Digests.Sha256(new StringBuilder(global).Append('\n')
                .Append("definition ").Append(definitions.TryGetValue(model, out var d) ? d : Definition(config, model))
                .Append('\n')
                .Append(remote.TryGetValue(model, out var r) ? r.ToString() : "")
                .Append(artifacts[i]).ToString());
        }
        return models.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => fingerprints[x.i], StringComparer.Ordinal);
    }

    /// <summary>The zoo's <c>models/</c> trees at its tip (synced first when <paramref name="sync"/>).</summary>
    private static async Task<string> ZooTreesAsync(PipelineConfig config, GitCli git, bool sync,
        IPipelineReporter reporter, CancellationToken ct)
    {
        var zoo = new ZooRepository(config, reporter);
        string? zooTip;
        if (sync)
        {
            using var snapshot = await zoo.ReadAsync(ct);
            zooTip = snapshot.Commit;
        }
        else
        {
            using var held = await zoo.Clone.LockAsync(TimeSpan.FromMinutes(10), ct);
            zooTip = await zoo.Clone.RevParseAsync("HEAD", ct);
        }
        return zooTip is null ? "" : await git.RunAsync(zoo.Clone.WorkTree, ["ls-tree", zooTip, "models/"], ct);
    }

    /// <summary>The GitOps repository's folders at its tip and its promotion branches (synced first when
    /// <paramref name="sync"/>).</summary>
    private static async Task<(string Trees, string Refs)> GitOpsTreesAsync(PipelineConfig config, GitCli git,
        bool sync, IPipelineReporter reporter, CancellationToken ct)
    {
        using var gitops = await GitOpsRepository.OpenAsync(config, reporter, ct, sync);
        var head = await gitops.HeadAsync(ct);
        var trees = head is null ? "" : await git.RunAsync(gitops.WorkDir, ["ls-tree", "-r", "-d", head], ct);
        var refs = await git.RunAsync(gitops.WorkDir,
            ["for-each-ref", "--format=%(objectname) %(refname)", "refs/remotes/origin/promote/"], ct);
        return (trees, refs);
    }

    /// <summary>The tool's build, the resolved settings and the MODELPIPE_* variables (secret ones by name
    /// only).</summary>
    private static string Global(PipelineConfig config)
    {
        var text = new StringBuilder(Format).Append('\n')
            .Append(typeof(Settlement).Assembly.ManifestModule.ModuleVersionId.ToString("N")).Append('\n')
            .Append(JsonSerializer.Serialize(config, RunStateStore.Json)).Append('\n');
        var secrets = config.SecretEnvironmentVariables().ToHashSet(StringComparer.Ordinal);
        var variables = Environment.GetEnvironmentVariables();
        foreach (var name in variables.Keys.Cast<string>()
                     .Where(n => n.StartsWith(ConfigLoader.EnvPrefix, StringComparison.Ordinal)
                         && n != Reporting.RunJournal.RunIdVariable)
                     .Order(StringComparer.Ordinal))
            text.Append(name).Append('=').Append(secrets.Contains(name) ? "(secret)" : variables[name]).Append('\n');
        return Digests.Sha256(text.ToString());
    }

    /// <summary>The fingerprint of a model's definition folder: every file's path, length and write time.</summary>
    private static string Definition(PipelineConfig config, string model)
    {
        var text = new StringBuilder();
        Listing(text, Path.Combine(config.RepoRoot, "models", model), skip: null);
        return Digests.Sha256(text.ToString());
    }

    /// <summary>Appends each entry under <paramref name="dir"/> (path, and a file's length and write time) in the
    /// order the file system lists them: the same folder lists the same way, and a different order only means a model
    /// is looked at again.</summary>
    private static void Listing(StringBuilder text, string dir, string? skip)
    {
        if (!Directory.Exists(dir)) return;
        var entries = new FileSystemEnumerable<bool>(dir,
            (ref FileSystemEntry e) =>
            {
                text.Append(e.Directory[dir.Length..]).Append('/').Append(e.FileName);
                if (!e.IsDirectory) text.Append(' ').Append(e.Length).Append(' ').Append(e.LastWriteTimeUtc.UtcTicks);
                text.Append('\n');
                return true;
            },
            new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
        {
            ShouldRecursePredicate = (ref FileSystemEntry e) => (e.Attributes & FileAttributes.ReparsePoint) == 0
                && (skip is null || !(e.Directory.Length == dir.Length && e.FileName.SequenceEqual(skip))),
        };
        foreach (var _ in entries) { }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static T? Read<T>(string path) where T : class
    {
        try
        {
            return File.Exists(path)
                ? JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), RunStateStore.Json)
                : null;
        }
        catch (JsonException)
        {
            return null; // a damaged file settles nothing: every model is looked at again
        }
    }

    [GeneratedRegex("^[0-9a-f]+ refs/remotes/origin/promote/(?<model>.+)-v[0-9]+$")]
    private static partial Regex PromotionRef();
}
