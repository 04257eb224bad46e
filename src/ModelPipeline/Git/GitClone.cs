using ModelPipeline.Errors;
using ModelPipeline.RunState;

namespace ModelPipeline.Git;

/// <summary>
/// A cached clone of one branch of a remote, kept under a cache folder (one per URL). Work on it
/// happens under an exclusive lock (processes of one workspace take turns), always starting from
/// the remote's tip: fetch, reset, clean. The clone is a cache (nothing in it is published until
/// pushed): what a killed process left in it (changes, git locks) is discarded and reported.
/// </summary>
public sealed partial class GitClone
{
    /// <summary>
    /// The clones this process already brought to their remote's tip (work tree → tip): one fetch per
    /// remote per run, however many models use it. Our own pushes keep the entry current; a push that
    /// loses a race fetches again (<see cref="ResetToRemoteAsync"/>).
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> SyncedThisRun = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether this process is one run (the <c>modelpipe</c> CLI sets it): a clone is fetched once, and
    /// later users within the run work from that state. Off by default (a library host syncs every time).
    /// </summary>
    public static bool FetchOncePerRun { get; set; }

    private static int _runNumber;

    /// <summary>Counts <see cref="BeginRun"/> calls: caches of "done once in this run" key on it.</summary>
    public static int RunNumber => Volatile.Read(ref _runNumber);

    /// <summary>
    /// Starts a new run in this process (a daemon's next pass): every clone is fetched again at its
    /// next use, however <see cref="FetchOncePerRun"/> is set.
    /// </summary>
    public static void BeginRun()
    {
        Interlocked.Increment(ref _runNumber);
        SyncedThisRun.Clear();
    }

    /// <summary>
    /// A clone only read from (a serving host's cache): local changes, stale git lock files and a
    /// broken repository left by a killed process are discarded (re-cloned) instead of refused.
    /// </summary>
    public bool IsReadOnlyCache { get; init; }

    /// <summary>Told what was recovered (a stale lock removed, a broken clone re-created).</summary>
    public Action<string>? Recovered { get; init; }

    private readonly GitCli _git;

    public GitClone(GitCli git, GitRemote remote, string branch, string cacheDir)
    {
        _git = git;
        Remote = remote;
        Branch = branch;
        var label = new string(remote.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());
        WorkTree = Path.Combine(Path.GetFullPath(cacheDir), $"{label}-{Digests.Sha256(remote.CacheKey)[..12]}");
    }

    public GitRemote Remote { get; }

    public string Branch { get; }

    /// <summary>The clone's working tree.</summary>
    public string WorkTree { get; }

    private string RemoteRef => $"refs/remotes/origin/{Branch}";

    /// <summary>Waits (up to <paramref name="timeout"/>) for exclusive use of this clone.</summary>
    public Task<IDisposable> LockAsync(TimeSpan timeout, CancellationToken ct) =>
        RunState.FileLock.AcquireAsync(WorkTree + ".lock", timeout, $"the clone {WorkTree}", ct);

    /// <summary>
    /// Brings the clone to the remote branch's tip (creating the clone on first use) and returns
    /// that commit, or null when the remote has no such branch yet (the working tree is then empty).
    /// Call under <see cref="LockAsync"/>.
    /// </summary>
    public async Task<string?> SyncAsync(CancellationToken ct)
    {
        // Another process of this workspace (a second Publish) may have moved the shared clone since: only a
        // clone still at the commit this run synced to is taken as it is.
        if (FetchOncePerRun && SyncedThisRun.TryGetValue(WorkTree, out var synced)
            && Directory.Exists(Path.Combine(WorkTree, ".git")) && await CheckedOutAsync(ct) == synced)
            return synced;
        if (!IsReadOnlyCache) return await SyncOnceAsync(ct);
        try
        {
            return await SyncOnceAsync(ct);
        }
        catch (GitException ex)
        {
            // A cache only read from: whatever half-done state broke git, the remote has everything. Start over once.
            Recovered?.Invoke($"the clone {WorkTree} was broken ({ex.Message.Split('\n')[0]}); re-creating it from the remote");
            Unsync();
            DeleteTree(WorkTree);
            return await SyncOnceAsync(ct);
        }
    }

    private async Task<string?> SyncOnceAsync(CancellationToken ct)
    {
        RemoveStaleLocks();
        if (!Directory.Exists(Path.Combine(WorkTree, ".git")))
        {
            if (Directory.Exists(WorkTree)) Directory.Delete(WorkTree, recursive: true);
            // Set up beside it and rename into place: a process killed half-way leaves no clone without its remote.
            var staging = WorkTree + $".{Guid.NewGuid():N}.tmp";
            Directory.CreateDirectory(staging);
            try
            {
                await _git.RunAsync(staging, ["init", "--quiet", "--initial-branch", Branch], ct);
                await _git.RunAsync(staging, ["remote", "add", "origin", Remote.Url], ct);
                Directory.Move(staging, WorkTree);
            }
            finally
            {
                if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            }
            return await ResetToRemoteAsync(ct, clean: true); // a new clone: an empty tree, nothing to discard
        }
        if (!IsReadOnlyCache)
        {
            var clean = await DiscardHalfDoneAsync(ct);
            // A relative local remote resolves to another absolute path in another job folder.
            await _git.RunAsync(WorkTree, ["remote", "set-url", "origin", Remote.Url], ct);
            return await ResetToRemoteAsync(ct, clean);
        }
        return await ResetToRemoteAsync(ct);
    }

    /// <summary>
    /// Fetches the remote and resets the working tree to its branch tip. <paramref name="clean"/>: the tree was just
    /// found clean (nothing changed, untracked or ignored, nothing half-done); when the branch is checked out at the
    /// fetched tip too, the checkout, reset and clean would change nothing and are not run (each of them reads the
    /// whole tree: a zoo of 1,000 models is some 12,000 files). A clean tree behind the tip (another publisher's
    /// commit came in) is only checked out: the reset and clean after it would find nothing to discard.
    /// </summary>
    private async Task<string?> ResetToRemoteAsync(CancellationToken ct, bool clean = false)
    {
        await FetchAsync(ct);
        var tip = await RevParseAsync(RemoteRef, ct);
        if (clean && tip is not null && OnBranch() && await CheckedOutAsync(ct) == tip)
        {
            SyncedThisRun[WorkTree] = tip;
            return tip;
        }
        if (tip is not null)
        {
            await _git.RunAsync(WorkTree, ["checkout", "--quiet", "--force", "-B", Branch, RemoteRef], ct);
            if (clean)
            {
                SyncedThisRun[WorkTree] = tip;
                return tip;
            }
            await _git.RunAsync(WorkTree, ["reset", "--quiet", "--hard", RemoteRef], ct);
        }
        else
        {
            // An empty remote: start an unborn branch with an empty index.
            await _git.RunAsync(WorkTree, ["symbolic-ref", "HEAD", $"refs/heads/{Branch}"], ct);
            if (await RevParseAsync($"refs/heads/{Branch}", ct) is not null)
                await _git.RunAsync(WorkTree, ["update-ref", "-d", $"refs/heads/{Branch}"], ct);
            await _git.RunAsync(WorkTree, ["read-tree", "--empty"], ct);
        }
        await _git.RunAsync(WorkTree, ["clean", "-q", "-f", "-d", "-x"], ct);
        SyncedThisRun[WorkTree] = tip;
        return tip;
    }

    /// <summary>Whether HEAD is the branch itself (not a detached HEAD that happens to be at its commit).</summary>
    private bool OnBranch() => GitRefFiles.HeadBranch(WorkTree) == $"refs/heads/{Branch}";

    /// <summary>Forgets that this clone was synced in this run, so the next use fetches.</summary>
    private void Unsync() => SyncedThisRun.TryRemove(WorkTree, out _);

    private async Task FetchAsync(CancellationToken ct)
    {
        try
        {
            await _git.RunAsync(WorkTree, ["fetch", "--quiet", "--prune", "--no-tags", "origin"], ct);
        }
        catch (GitException ex)
        {
            throw new OperationFailedException(
                $"could not fetch {Remote.Name} ({Redactor.Redact(Remote.Url)}): {ex.StandardError.Trim()}. Fix: check that the remote is reachable and the token in its tokenEnv variable is valid.", ex);
        }
        await PackLooseRefsAsync(ct);
    }

    /// <summary>Loose ref files past which a sync packs them (<see cref="PackLooseRefsAsync"/>).</summary>
    public const int LooseRefLimit = 256;

    /// <summary>
    /// A fetch writes each new or moved remote branch as a file of its own. With a branch per promotion (1,000
    /// models) every later git process in the clone (for-each-ref, a fetch's or a push's look at all refs) opened a
    /// thousand files. Past <see cref="LooseRefLimit"/> of them they are packed into packed-refs, as git gc does.
    /// </summary>
    private async Task PackLooseRefsAsync(CancellationToken ct)
    {
        var refs = Path.Combine(WorkTree, ".git", "refs");
        if (Directory.Exists(refs)
            && Directory.EnumerateFiles(refs, "*", SearchOption.AllDirectories).Take(LooseRefLimit + 1).Count()
            > LooseRefLimit)
            await _git.RunAsync(WorkTree, ["pack-refs", "--all", "--prune"], ct);
    }

    /// <summary>The commit checked out (null on an unborn branch), read from git's files when they tell (no process).</summary>
    private async Task<string?> CheckedOutAsync(CancellationToken ct) =>
        GitRefFiles.TryRead(WorkTree, "HEAD", out var head) ? head : await RevParseAsync("HEAD", ct);

    /// <summary>The commit checked out (null on an unborn branch): known without git right after a sync or push of this run.</summary>
    public async Task<string?> HeadAsync(CancellationToken ct) =>
        SyncedThisRun.TryGetValue(WorkTree, out var tip) ? tip : await RevParseAsync("HEAD", ct);

    public async Task<string?> RevParseAsync(string rev, CancellationToken ct)
    {
        try
        {
            return (await _git.RunAsync(WorkTree, ["rev-parse", "--verify", "--quiet", rev + "^{commit}"], ct)).Trim();
        }
        catch (GitException)
        {
            return null;
        }
    }

    /// <summary>The commit a remote's branch points to (null when it has no such branch), read with ls-remote.</summary>
    public async Task<string?> RemoteTipAsync(GitRemote remote, CancellationToken ct)
    {
        var output = await _git.RunAsync(Directory.Exists(WorkTree) ? WorkTree : null, ["ls-remote", "--heads", remote.Url, $"refs/heads/{Branch}"], ct);
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return line?.Split('\t')[0].Trim();
    }
}
