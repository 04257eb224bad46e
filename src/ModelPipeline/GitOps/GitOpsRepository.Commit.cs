using System.Globalization;
using System.Text;
using ModelPipeline.Errors;
using ModelPipeline.Git;

namespace ModelPipeline.GitOps;

/// <summary>One file change to propose on its own branch forked from the GitOps branch.</summary>
public sealed record BranchChange(string Branch, string Path, string Content, string Message);

/// <summary>One branch's outcome of <see cref="GitOpsRepository.PushBranchesAsync"/>: its commit and whether it was
/// pushed, or its error.</summary>
public sealed record BranchPushOutcome(string? Commit, bool Pushed, PipelineException? Error);

public sealed partial class GitOpsRepository
{
    /// <summary>Local refs that hold the branch commits built for one push (never pushed under this name).</summary>
    private const string StagingRefs = "refs/modelpipe/promote-staging/";

    /// <summary>
    /// Puts one file change on a branch forked from the GitOps branch and pushes it (forced: the branch is ours):
    /// <see cref="PushBranchesAsync"/> of one change.
    /// </summary>
    public async Task<(string Commit, bool Pushed)> PushBranchAsync(string branch, string path, string content,
        string message, CancellationToken ct)
    {
        var outcome = (await PushBranchesAsync([new BranchChange(branch, path, content, message)], ct))[0];
        return outcome.Error is { } error ? throw error : (outcome.Commit!, outcome.Pushed);
    }

    /// <summary>
    /// Puts each change on its own branch forked from the tip of the GitOps branch and pushes them all (forced: the
    /// branches are ours). A remote branch that already carries its content on top of the current tip is reused as
    /// is. The commits are built without a checkout: one <c>git fast-import</c> for all of them (each commit's tree
    /// is the tip's with one file replaced), then ONE <c>git push</c> with a refspec per branch. The push is not
    /// atomic: a branch the remote refuses fails only its own change. A refusal of several branches at once (a
    /// pre-receive hook refuses the whole push) is retried branch by branch, so only the refused ones fail.
    /// The working tree of the clone is never touched.
    /// </summary>
    public async Task<IReadOnlyList<BranchPushOutcome>> PushBranchesAsync(IReadOnlyList<BranchChange> changes,
        CancellationToken ct)
    {
        var outcomes = new BranchPushOutcome?[changes.Count];
        var tip = await TipCommitAsync(ct);
        var snapshot = GitTreeSnapshot.For(_git, WorkDir);
        var existing = (await RemoteBranchesAsync("promote/", ct)).ToHashSet(StringComparer.Ordinal);
        var build = new List<int>();
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            if (tip is not null && await snapshot.ReadAsync(tip, change.Path, ct) == change.Content)
            {
                outcomes[i] = new BranchPushOutcome(null, false, new OperationFailedException(
                    $"{change.Path} on {_settings.Branch} already has this content; there is nothing to propose."));
                continue;
            }
            var remoteBranch = "refs/remotes/origin/" + change.Branch;
            if (existing.Contains(change.Branch) && await ShowAsync(remoteBranch, change.Path, ct) == change.Content
                && await IsAncestorAsync(Tip, remoteBranch, ct))
                outcomes[i] = new BranchPushOutcome(
                    (await _git.RunAsync(WorkDir, ["rev-parse", remoteBranch], ct)).Trim(), false, null);
            else build.Add(i);
        }
        if (build.Count == 0)
        {
            await DropStagingAsync([], CancellationToken.None); // what a killed run may have left
            return outcomes.Select(o => o!).ToList();
        }

        try
        {
            var commits = await BuildCommitsAsync(tip, build.Select(i => changes[i]).ToList(), ct);
            var refused = await PushStagedAsync(build.Select(i => changes[i].Branch).ToList(), ct);
            var tracking = new StringBuilder();
            for (var n = 0; n < build.Count; n++)
            {
                var change = changes[build[n]];
                if (refused.TryGetValue(change.Branch, out var why))
                {
                    outcomes[build[n]] = new BranchPushOutcome(null, false, new OperationFailedException(
                        $"the GitOps repository refused the branch {change.Branch} ({why}); nothing was "
                        + "proposed for it. Fix: check the remote's branch protection or hooks for promote/* "
                        + "branches, then run again."));
                    continue;
                }
                tracking.Append(CultureInfo.InvariantCulture,
                    $"update refs/remotes/origin/{change.Branch} {commits[n]}\n");
                outcomes[build[n]] = new BranchPushOutcome(commits[n], true, null);
            }
            await _git.RunAsync(WorkDir, ["update-ref", "--stdin"], null, tracking.ToString(), ct);
        }
        catch (PipelineException ex)
        {
            foreach (var i in build) outcomes[i] ??= new BranchPushOutcome(null, false, ex);
        }
        finally
        {
            await DropStagingAsync(build.Select(i => changes[i].Branch), CancellationToken.None);
        }
        return outcomes.Select(o => o!).ToList();
    }

    /// <summary>
    /// One <c>git fast-import</c> that writes, per change, a commit on top of <paramref name="tip"/> (none: a root
    /// commit) that replaces one file, under <see cref="StagingRefs"/>. Returns the commits, in order.
    /// </summary>
    private async Task<IReadOnlyList<string>> BuildCommitsAsync(string? tip, IReadOnlyList<BranchChange> changes,
        CancellationToken ct)
    {
        var author = GitAuthor.Resolve(_settings.AuthorName, _settings.AuthorEmail);
        var who = $"{author.Name} <{author.Email}> {DateTimeOffset.UtcNow.ToUnixTimeSeconds()} +0000";
        var stream = new StringBuilder();
        foreach (var change in changes)
        {
            var staging = StagingRefs + change.Branch;
            stream.Append(CultureInfo.InvariantCulture, $"reset {staging}\ncommit {staging}\n");
            stream.Append(CultureInfo.InvariantCulture, $"author {who}\ncommitter {who}\n");
            Data(stream, change.Message);
            if (tip is not null) stream.Append(CultureInfo.InvariantCulture, $"from {tip}\n");
            stream.Append(CultureInfo.InvariantCulture, $"M 100644 inline {change.Path}\n");
            Data(stream, change.Content);
            stream.Append('\n');
        }
        stream.Append("done\n");
        await _git.RunAsync(WorkDir, ["fast-import", "--quiet", "--done"], null, stream.ToString(), ct);
        var refs = await _git.RunAsync(WorkDir,
            ["for-each-ref", "--format=%(refname) %(objectname)", StagingRefs], ct);
        var built = refs.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return [.. changes.Select(c => built[StagingRefs + c.Branch])];

        static void Data(StringBuilder to, string text) =>
            to.Append(CultureInfo.InvariantCulture, $"data {Encoding.UTF8.GetByteCount(text)}\n")
                .Append(text).Append('\n');
    }

    /// <summary>
    /// Pushes the staged commits of <paramref name="branches"/> in one non-atomic <c>git push --porcelain</c>; with
    /// more than one refused, those are pushed again one at a time. Returns the refused branches and git's reason.
    /// </summary>
    private async Task<Dictionary<string, string>> PushStagedAsync(IReadOnlyList<string> branches, CancellationToken ct)
    {
        var refused = await PushOnceAsync(branches, ct);
        if (refused.Count <= 1) return refused;
        var still = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var branch in refused.Keys.Order(StringComparer.Ordinal))
            foreach (var (name, why) in await PushOnceAsync([branch], ct)) still[name] = why;
        return still;
    }

    private async Task<Dictionary<string, string>> PushOnceAsync(IReadOnlyList<string> branches, CancellationToken ct)
    {
        using var output = new MemoryStream();
        GitException? failed = null;
        try
        {
            await _git.RunAsync(WorkDir,
                ["push", "--porcelain", "--force", "origin",
                    .. branches.Select(b => $"{StagingRefs}{b}:refs/heads/{b}")],
                output, ct);
        }
        catch (GitException ex)
        {
            failed = ex;
        }
        // Porcelain lines: "<flag>\t<from>:<to>\t<summary>", flag '!' for a refused ref.
        var status = new Dictionary<string, (char Flag, string Summary)>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(output.ToArray()).Split('\n'))
        {
            var parts = line.Split('\t');
            if (parts.Length < 3 || parts[0].Length != 1) continue;
            var to = parts[1][(parts[1].IndexOf(':') + 1)..];
            if (to.StartsWith("refs/heads/", StringComparison.Ordinal))
                status[to["refs/heads/".Length..]] = (parts[0][0], parts[2]);
        }
        // No line at all: the push failed as a whole (the remote unreachable, credentials refused): every branch fails.
        if (failed is not null && status.Count == 0) throw failed;
        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var branch in branches)
            if (!status.TryGetValue(branch, out var s)) refused[branch] = "git reported nothing for it";
            else if (s.Flag == '!') refused[branch] = s.Summary;
        return refused;
    }

    /// <summary>Deletes every staging ref: those of <paramref name="branches"/>, and any a killed run left.</summary>
    private async Task DropStagingAsync(IEnumerable<string> branches, CancellationToken ct)
    {
        try
        {
            var left = await _git.RunAsync(WorkDir, ["for-each-ref", "--format=%(refname)", StagingRefs], ct);
            var delete = string.Concat(left.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Concat(branches.Select(b => StagingRefs + b)).Distinct(StringComparer.Ordinal)
                .Select(r => $"delete {r}\n"));
            await _git.RunAsync(WorkDir, ["update-ref", "--stdin"], null, delete, ct);
        }
        catch (GitException)
        {
            // a staging ref left behind is reset by the next run before use, and deleted after it
        }
    }

    /// <summary>What a pull request shows of one pushed branch: its diff and a request-pull summary.</summary>
    public sealed record BranchSummary(string Diff, string RequestPull);

    /// <summary>
    /// The diff against the GitOps branch and a request-pull summary (base and head commits, shortlog, diffstat) of
    /// each pushed branch commit, read with two git processes however many branches there are (<c>git diff-tree
    /// --stdin</c>, <c>git log --no-walk</c>), rather than a <c>git diff</c> and a <c>git request-pull</c> (which
    /// also asks the remote) per branch. Each branch is one commit on top of the tip, as
    /// <see cref="PushBranchesAsync"/> builds it.
    /// </summary>
    public async Task<IReadOnlyList<BranchSummary>> SummarizeAsync(
        IReadOnlyList<(string Branch, string Commit)> branches, CancellationToken ct)
    {
        if (branches.Count == 0) return [];
        var tip = await TipCommitAsync(ct);
        // "<commit> <parent>": the diff from the tip to the branch commit; a root commit (no tip) against nothing.
        var pairs = string.Concat(branches.Select(b => tip is null ? $"{b.Commit}\n" : $"{b.Commit} {tip}\n"));
        var diffs = await _git.RunAsync(WorkDir,
        [
            "diff-tree", "--stdin", "--root", "--patch-with-stat", "--summary", "--no-color", "--no-ext-diff",
        ], null, pairs, ct);
        // Each commit's output starts with a line holding its name, then the stat, a blank line and the patch.
        var starts = new List<int>();
        foreach (var (_, commit) in branches)
        {
            var at = diffs.IndexOf(commit + "\n", starts.Count == 0 ? 0 : starts[^1] + 1, StringComparison.Ordinal);
            if (at < 0 || (at > 0 && diffs[at - 1] != '\n'))
                throw new OperationFailedException($"git diff-tree gave no diff for {commit} in {WorkDir}. "
                    + "Fix: run again; if it persists, remove that cached clone.");
            starts.Add(at);
        }
        var log = await _git.RunAsync(WorkDir,
        [
            "log", "--no-walk=unsorted", "--format=%H%x09%ci%x09%an%x09%s",
            .. tip is null ? Array.Empty<string>() : [tip], .. branches.Select(b => b.Commit),
        ], ct);
        var commits = log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t', 4))
            .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var summaries = new List<BranchSummary>();
        for (var i = 0; i < branches.Count; i++)
        {
            var from = starts[i] + branches[i].Commit.Length + 1;
            var segment = diffs[from..(i + 1 < starts.Count ? starts[i + 1] : diffs.Length)];
            var patchAt = segment.IndexOf("diff --git ", StringComparison.Ordinal);
            var stat = (patchAt < 0 ? segment : segment[..patchAt]).TrimEnd('\n') + "\n";
            var head = commits[branches[i].Commit];
            var pull = new StringBuilder(tip is null
                ? "The following changes start the branch:\n\n" : $"The following changes since commit {tip}:\n\n");
            if (tip is not null) pull.Append($"  {commits[tip][3]} ({commits[tip][1]})\n\n");
            pull.Append($"are available in the Git repository at:\n\n  {Remote} {branches[i].Branch}\n\n")
                .Append($"for you to fetch changes up to {head[0]}:\n\n  {head[3]} ({head[1]})\n\n")
                .Append(new string('-', 64)).Append('\n')
                .Append($"{head[2]} (1):\n      {head[3]}\n\n").Append(stat);
            summaries.Add(new BranchSummary(patchAt < 0 ? "" : segment[patchAt..], pull.ToString()));
        }
        return summaries;
    }

    private async Task ResetToTipAsync(string localBranch, CancellationToken ct)
    {
        if (await HasRefAsync(Tip, ct))
        {
            await _git.RunAsync(WorkDir, ["checkout", "--quiet", "--force", "-B", localBranch, Tip], ct);
        }
        else
        {
            // An empty repository: start the branch from nothing.
            await _git.RunAsync(WorkDir, ["symbolic-ref", "HEAD", $"refs/heads/{localBranch}"], ct);
            await _git.RunAsync(WorkDir, ["read-tree", "--empty"], ct);
        }
        await _git.RunAsync(WorkDir, ["clean", "--quiet", "-fdx"], ct);
    }

    private async Task<bool> IsAncestorAsync(string ancestor, string descendant, CancellationToken ct)
    {
        if (!await HasRefAsync(ancestor, ct)) return true;
        try
        {
            await _git.RunAsync(WorkDir, ["merge-base", "--is-ancestor", ancestor, descendant], ct);
            return true;
        }
        catch (GitException)
        {
            return false;
        }
    }
}
