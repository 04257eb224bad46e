using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Progress;
using ModelPipeline.Zoo;

namespace ModelPipeline.Serving;

/// <summary>
/// One sync pass for a serving host: under the pass lock, resolve every followed entry in the zoo,
/// pull what is missing by digest (verified as <c>modelpipe pull</c> does), stage it under the
/// serving root, switch <c>current</c> atomically, run the hook, apply retention, write the status.
/// A failure of one entry (zoo or registry unreachable, a corrupt blob, a full disk, a refused path)
/// leaves that entry's <c>current</c> as it was.
/// </summary>
public sealed partial class SyncPass
{
    private readonly SyncFile _sync;
    private readonly PipelineConfig _config;
    private readonly IPipelineReporter _reporter;

    /// <param name="config">Registry and ModelCar settings (pipeline.json, or the defaults on a host without one).</param>
    public SyncPass(SyncFile sync, PipelineConfig config, IPipelineReporter reporter)
    {
        _sync = sync;
        _config = config;
        _reporter = reporter;
        Root = new ServingRoot(sync.Root);
    }

    public ServingRoot Root { get; }

    /// <summary><c>--allow-yanked</c>: an entry that names a yanked version exactly (NAME@vN) is served anyway.</summary>
    public bool AllowYanked { get; init; }

    public string PassLockPath => Path.Combine(Root.StateDir, "pass.lock");

    public async Task<SyncReport> RunAsync(TimeSpan lockWait, CancellationToken ct)
    {
        Root.Prepare();
        using var held = await ProcessLock.AcquireAsync(PassLockPath, lockWait, "another sync pass", ct);
        Git.GitClone.BeginRun(); // each pass fetches the zoo: a daemon follows it

        var started = DateTimeOffset.UtcNow;
        var before = SyncStatus.Read(Root.StatusPath);
        var outcomes = new Dictionary<string, EntryOutcome>();
        var resolved = new List<(FollowEntry Entry, ResolvedVersion Version)>();
        string? commit = null;
        try
        {
            foreach (var entry in _sync.Follow)
            {
                try { Root.CleanLeftovers(entry.Model); }
                catch (PipelineException ex) { outcomes[entry.Model] = Failed(entry, ex, ex.ExitCode); }
            }
            try
            {
                using var zoo = await OpenZoo().ReadAsync(ct);
                commit = zoo.Commit;
                foreach (var entry in _sync.Follow.Where(e => !outcomes.ContainsKey(e.Model)))
                {
                    try { resolved.Add((entry, zoo.Resolve(entry.Model, entry.Reference))); }
                    catch (PipelineException ex) { outcomes[entry.Model] = Failed(entry, ex, ex.ExitCode, $"{entry.Text}: "); }
                }
            }
            catch (Exception ex) when (ex is PipelineException || ex is OperationCanceledException && !ct.IsCancellationRequested)
            {
                var failure = ex as PipelineException ?? new OperationFailedException($"timed out ({ex.Message}). Fix: check that the zoo is reachable.");
                var why = ex is ZooRewrittenException ? "was refused" : "could not be read";
                foreach (var entry in _sync.Follow.Where(e => !outcomes.ContainsKey(e.Model)))
                    outcomes[entry.Model] = Failed(entry, failure, 1, $"{entry.Text}: the zoo {Redactor.Redact(_sync.Zoo.Url)} {why}; ");
            }
            foreach (var (entry, version) in resolved)
            {
                var last = before.Entries.FirstOrDefault(e => e.Model == entry.Model);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                try
                {
                    outcomes[entry.Model] = await SyncEntryAsync(entry, version, last, ct);
                }
                catch (PipelineException ex)
                {
                    outcomes[entry.Model] = Failed(entry, ex, ex.ExitCode, $"{entry.Text} v{version.Version.Version}: ");
                }
                catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
                {
                    var failure = new OperationFailedException($"{entry.Text} v{version.Version.Version}: a request timed out ({ex.Message}). Fix: check that the registry is reachable, or raise registry.timeoutSeconds in pipeline.json; the next pass tries again.");
                    outcomes[entry.Model] = Failed(entry, failure, 1);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    var failure = new OperationFailedException($"{entry.Text} v{version.Version.Version}: writing under the serving root failed ({ex.Message}). Fix: free disk space or fix permissions under {Root.Root}; the next pass tries again.");
                    outcomes[entry.Model] = Failed(entry, failure, 1);
                }
                outcomes[entry.Model] = outcomes[entry.Model] with { DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 2) };
                WriteStatus(before, started, null, commit, outcomes);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            WriteStatus(before, started, 130, commit, outcomes);
            throw;
        }
        var report = WriteStatus(before, started, outcomes.Values.Select(o => o.ExitCode).DefaultIfEmpty(0).Max(), commit, outcomes);
        await NotifyAsync(before, report.Entries, ct);
        await ReportFleetAsync(ct);
        return report;
    }

    /// <summary>Sets the daemon section of the status file.</summary>
    public void ReportDaemon(DaemonStatus daemon)
    {
        Root.Prepare();
        (SyncStatus.Read(Root.StatusPath) with { Daemon = daemon }).Write(Root.StatusPath);
    }

    public string InstanceLockPath => Path.Combine(Root.StateDir, "daemon.lock");

    private ZooRepository OpenZoo()
    {
        var zoo = new ZooSettings { Url = _sync.Zoo.Url, TokenEnv = _sync.Zoo.TokenEnv, Branch = _sync.Zoo.Branch, CloneDir = "zoo", Mirrors = [] };
        return new ZooRepository(_config with { RepoRoot = Root.StateDir, Zoo = zoo }, _reporter, seenDir: Root.StateDir, readOnlyCache: true);
    }

    /// <summary>A failed entry: its current link is untouched, so it reports what it still serves.</summary>
    private EntryOutcome Failed(FollowEntry entry, PipelineException ex, int exitCode, string prefix = "")
    {
        var serving = SafeCurrent(entry.Model);
        var message = $"{prefix}{ex.Message}{Environment.NewLine}{entry.Model} still serves {serving ?? "nothing (no version was ever switched in)"}.";
        _reporter.Warning(entry.Model, message);
        return new EntryOutcome { Entry = entry.Text, Model = entry.Model, Result = "failed", ExitCode = exitCode, Serving = serving, Detail = message };
    }

    private string? SafeCurrent(string model)
    {
        try { return Root.Current(model); }
        catch (PipelineException) { return null; }
    }

    private SyncReport WriteStatus(SyncStatus before, DateTimeOffset started, int? exitCode, string? commit, Dictionary<string, EntryOutcome> outcomes)
    {
        var now = DateTimeOffset.UtcNow;
        var entries = _sync.Follow.Select(f =>
        {
            var last = before.Entries.FirstOrDefault(e => e.Model == f.Model);
            if (!outcomes.TryGetValue(f.Model, out var o)) return last ?? new EntryStatus { Entry = f.Text, Model = f.Model };
            return new EntryStatus
            {
                Entry = f.Text,
                Model = f.Model,
                Serving = o.Serving,
                Version = ServingRoot.VersionOf(o.Serving),
                Digest = o.Result is not ("failed" or "rejected") ? o.Digest : last?.Serving == o.Serving ? last?.Digest : null,
                Path = o.Serving is null ? null : Path.Combine(Root.Root, f.Model, ServingRoot.CurrentLink),
                SwitchedAt = o.Result is "switched" or "reverted" ? now : last?.SwitchedAt,
                HookRanFor = o.HookRanFor ?? last?.HookRanFor,
                Result = o.Result,
                LastError = o.Result is "failed" or "reverted" or "rejected" ? o.Detail : o.HookError,
                Warning = o.Warning,
                CheckedAt = now,
                Rejected = o.Result == "failed" ? last?.Rejected : o.Rejected,
            };
        }).ToList();
        var status = new SyncStatus
        {
            LastPass = new PassSummary { StartedAt = started, FinishedAt = exitCode is null ? null : now, ExitCode = exitCode ?? 0, ZooCommit = commit },
            LastError = outcomes.Values.Select(o => o.Result is "failed" or "reverted" or "rejected" ? o.Detail : o.HookError)
                .FirstOrDefault(e => e is not null),
            Entries = entries,
            Daemon = SyncStatus.Read(Root.StatusPath).Daemon,
            Fleet = before.Fleet,
        };
        status.Write(Root.StatusPath);
        return new SyncReport
        {
            ExitCode = exitCode ?? 0, StartedAt = started, FinishedAt = now, ZooCommit = commit, StatusPath = Root.StatusPath,
            Entries = _sync.Follow.Where(f => outcomes.ContainsKey(f.Model)).Select(f => outcomes[f.Model]).ToList(),
        };
    }
}

/// <summary>What one pass did.</summary>
public sealed record SyncReport
{
    public required int ExitCode { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public string? ZooCommit { get; init; }
    public required string StatusPath { get; init; }
    public required IReadOnlyList<EntryOutcome> Entries { get; init; }
}

/// <summary>One entry after a pass: switched, unchanged or failed (with what it still serves).</summary>
public sealed record EntryOutcome
{
    public required string Entry { get; init; }
    public required string Model { get; init; }
    public required string Result { get; init; }
    public int ExitCode { get; init; }
    public string? Serving { get; init; }
    public int? Version { get; init; }
    public string? Digest { get; init; }
    public string? Previous { get; init; }
    public string? HookRanFor { get; init; }
    public string? HookError { get; init; }
    public IReadOnlyList<string> Removed { get; init; } = [];
    public string? Detail { get; init; }

    /// <summary>The version is deprecated, or yanked and still served (a yank is not a rollback).</summary>
    public string? Warning { get; init; }

    public double DurationSeconds { get; init; }

    /// <summary>reverted, rejected: the version the health check refused.</summary>
    public RejectedVersion? Rejected { get; init; }
}
