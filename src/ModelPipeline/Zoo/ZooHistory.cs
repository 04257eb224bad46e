using System.Text.RegularExpressions;
using ModelPipeline.Errors;
using ModelPipeline.Git;

namespace ModelPipeline.Zoo;

/// <summary>A zoo whose published history or versions changed: refused (exit 1), naming versions and commits.</summary>
public sealed class ZooRewrittenException(string message) : OperationFailedException(message);

/// <summary>
/// Rollback and freeze protection for one zoo, as TUF and transparency-log clients do it: the client
/// remembers the last zoo commit it accepted (a small file outside the clone) and accepts a new tip
/// only when it descends from that commit and changes no published version. The check costs what
/// changed: one <c>git diff</c> from the remembered commit, and the sha256 of the versions added since.
/// </summary>
public sealed partial class ZooHistory(GitCli git, string workTree, string seenPath, string source)
{
    public string SeenPath { get; } = seenPath;

    /// <summary>The zoo as messages name it (its URL, redacted).</summary>
    private string Source { get; } = source;

    /// <summary>
    /// Refuses <paramref name="tip"/> (the clone's checked-out commit) when it does not descend from the
    /// remembered commit, or when a commit since then changed a published version or rewrote a ledger.
    /// New versions are checked against their ledger entries.
    /// </summary>
    public async Task CheckAsync(string? tip, CancellationToken ct)
    {
        var seen = Remembered();
        if (seen is null || seen == tip) return;
        if (tip is null)
            throw Rewritten($"the zoo {Source} has no commits any more, but this client read commit {seen} from it");
        if (!await IsAncestorAsync(seen, tip, ct))
        {
            var changed = await HasCommitAsync(seen, ct) ? await ChangedVersionsAsync(seen, tip, ct) : [];
            throw Rewritten($"the zoo {Source} was rewritten: its tip {tip} does not descend from commit {seen}, " +
                "which this client read before (a forced push, or a restore from an older copy)" +
                (changed.Count > 0 ? $". Published versions that differ: {string.Join(", ", changed)}" : ""));
        }
        var problems = new List<string>();
        var added = new SortedSet<(string Model, int Version)>();
        var existedBefore = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        foreach (var (status, path) in await DiffAsync(seen, tip, ct))
        {
            if (VersionPath().Match(path) is { Success: true } v)
            {
                var model = v.Groups[1].Value;
                var version = int.Parse(v.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (status != 'A' || (await VersionsAtAsync(seen, model, existedBefore, ct)).Contains(version))
                {
                    var what = status == 'D' ? "was deleted" : status == 'A' ? "was added" : "changed";
                    problems.Add($"{path} {what} in commit {await LastChangeAsync(seen, tip, path, ct)}");
                }
                else added.Add((model, version));
            }
            else if (LedgerPath().Match(path) is { Success: true } l && status != 'A')
            {
                var before = await git.RunAsync(workTree, ["show", $"{seen}:{path}"], ct);
                var file = Path.Combine(workTree, path);
                var now = File.Exists(file) ? await File.ReadAllTextAsync(file, ct) : null;
                if (now is null || !now.StartsWith(before, StringComparison.Ordinal))
                {
                    var what = now is null ? "deleted" : "rewritten (entries changed, not appended)";
                    problems.Add($"{path} was {what} in commit {await LastChangeAsync(seen, tip, path, ct)}");
                }
            }
        }
        foreach (var (model, version) in added)
            foreach (var p in ZooLedger.CheckVersion(workTree, model, version, this))
            {
                var commit = await LastChangeAsync(seen, tip, $"models/{model}/v{version}", ct);
                problems.Add($"{p} (added in commit {commit})");
            }
        if (problems.Count > 0)
            throw Rewritten($"the zoo {Source} at commit {tip} changed what was published after commit {seen}:" +
                Environment.NewLine + "  - " + string.Join(Environment.NewLine + "  - ", problems.Distinct()));
    }

    private ZooRewrittenException Rewritten(string what) => new(
        $"{what}. A published version never changes, so this zoo is refused. Fix: restore the zoo's primary " +
        $"to a history that contains {Remembered()?[..12]} (push it back from a mirror or a clone), " +
        "or revert the commits named; " +
        $"only if the new history is intended, delete {SeenPath} so that this client trusts the current tip.");

    /// <summary>The versions (models/NAME/vN) that <paramref name="from"/> has and <paramref name="to"/> changed.</summary>
    private async Task<IReadOnlyList<string>> ChangedVersionsAsync(string from, string to, CancellationToken ct)
    {
        var existed = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        var changed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (_, path) in await DiffAsync(from, to, ct))
        {
            if (VersionPath().Match(path) is not { Success: true } v) continue;
            var version = int.Parse(v.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            if ((await VersionsAtAsync(from, v.Groups[1].Value, existed, ct)).Contains(version))
                changed.Add($"models/{v.Groups[1].Value}/v{version}");
        }
        return changed.ToList();
    }

    private async Task<IReadOnlyList<(char Status, string Path)>> DiffAsync(string from, string to,
        CancellationToken ct)
    {
        var output = await git.RunAsync(workTree,
            ["diff", "--name-status", "--no-renames", "-z", from, to, "--", "models"], ct);
        var parts = output.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var list = new List<(char, string)>();
        for (var i = 0; i + 1 < parts.Length; i += 2) list.Add((parts[i][0], parts[i + 1]));
        return list;
    }

    private async Task<HashSet<int>> VersionsAtAsync(string commit, string model,
        Dictionary<string, HashSet<int>> cache, CancellationToken ct)
    {
        if (cache.TryGetValue(model, out var known)) return known;
        var names = await git.RunAsync(workTree, ["ls-tree", "-d", "--name-only", commit, $"models/{model}/"], ct);
        var versions = names.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(n => ZooLayout.ParseVersion(Path.GetFileName(n))).OfType<int>().ToHashSet();
        return cache[model] = versions;
    }

    /// <summary>The newest commit after <paramref name="from"/> that touched <paramref name="path"/>.</summary>
    private async Task<string> LastChangeAsync(string from, string to, string path, CancellationToken ct) =>
        (await git.RunAsync(workTree, ["log", "-1", "--format=%H", $"{from}..{to}", "--", path], ct)).Trim()
            is { Length: > 0 } c ? c : to;

    private async Task<bool> HasCommitAsync(string commit, CancellationToken ct)
    {
        try
        {
            await git.RunAsync(workTree, ["cat-file", "-e", commit + "^{commit}"], ct);
            return true;
        }
        catch (GitException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether <paramref name="ancestor"/> is in <paramref name="descendant"/>'s history
    /// (a commit the clone lacks is not).
    /// </summary>
    private async Task<bool> IsAncestorAsync(string ancestor, string descendant, CancellationToken ct)
    {
        try
        {
            await git.RunAsync(workTree, ["merge-base", "--is-ancestor", ancestor, descendant], ct);
            return true;
        }
        catch (GitException)
        {
            return false;
        }
    }

    [GeneratedRegex("^models/([a-z0-9][-a-z0-9]*)/v([1-9][0-9]*)/(.+)$")]
    private static partial Regex VersionPath();

    [GeneratedRegex("^models/([a-z0-9][-a-z0-9]*)/ledger\\.jsonl$")]
    private static partial Regex LedgerPath();
}
