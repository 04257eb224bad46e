using System.Globalization;
using System.Text;

namespace ModelPipeline.GitOps;

/// <summary>One change of an environment's config.yaml on the GitOps branch's first-parent line.</summary>
public sealed record PinChange
{
    public required string Environment { get; init; }
    public required string Model { get; init; }
    public required string Commit { get; init; }
    public required DateTimeOffset At { get; init; }

    /// <summary>The commit message (a merge's names its pull or merge request).</summary>
    public required string Message { get; init; }
    public required string Author { get; init; }
    public required string Committer { get; init; }

    /// <summary>For a merge commit: the author of the merged branch's head (who proposed it); else null.</summary>
    public string? BranchAuthor { get; init; }

    /// <summary>The file's new content; null when the change deleted it.</summary>
    public string? Content { get; init; }
}

public sealed partial class GitOpsRepository
{
    private const char Record = '\x1e', Field = '\x1f', Raw = '\x1d';

    /// <summary>
    /// Every change of <c>&lt;environment&gt;/&lt;model&gt;/config.yaml</c> on the branch's first-parent line,
    /// oldest first, for all models, with two git processes: one <c>log --raw</c> and one
    /// <c>cat-file --batch</c> for the new contents and the merged branches' heads.
    /// </summary>
    public async Task<IReadOnlyList<PinChange>> PinChangesAsync(IReadOnlyCollection<string> environments,
        CancellationToken ct) => (await PinChangesSinceAsync(environments, null, ct))!.Changes;

    /// <summary>The branch's tip and the config.yaml changes on its first-parent line after
    /// <paramref name="since"/> (all of them when null).</summary>
    public sealed record PinLog(string? Tip, IReadOnlyList<PinChange> Changes);

    /// <summary>
    /// As <see cref="PinChangesAsync"/>, but only the changes of the commits after <paramref name="since"/>, a tip
    /// read before: null when <paramref name="since"/> is not on the tip's first-parent line (the branch was
    /// rewritten, or a merge made another line the first), so what was read up to it no longer holds.
    /// </summary>
    public async Task<PinLog?> PinChangesSinceAsync(IReadOnlyCollection<string> environments, string? since,
        CancellationToken ct)
    {
        if (await TipCommitAsync(ct) is not { Length: > 0 } tip) return new PinLog(null, []);
        if (since == tip) return new PinLog(tip, []);
        string log;
        try
        {
            // After a commit: every first-parent commit (no path filter), so the oldest must be a child of it.
            log = await _git.RunAsync(WorkDir,
            [
                "log", "--first-parent", "--diff-merges=first-parent", "--raw", "--no-abbrev", "--no-renames",
                $"--format={Record}%H{Field}%P{Field}%ct{Field}%an <%ae>{Field}%cn <%ce>{Field}%B{Raw}",
                .. since is null
                    ? (string[])[tip, "--", .. environments.Select(e => e + "/")]
                    : ["^" + since, tip, "--"],
            ], ct);
        }
        catch (Git.GitException) when (since is not null)
        {
            return null; // the commit is gone (a rewritten and pruned branch)
        }
        var commits = new List<string[]>();
        var changes = new List<(string Env, string Model, string Commit, string[] Parents, long Time,
            string Author, string Committer, string Message, string? Blob)>();
        foreach (var entry in log.Split(Record, StringSplitOptions.RemoveEmptyEntries))
        {
            var raw = entry.IndexOf(Raw);
            if (raw < 0) continue;
            var f = entry[..raw].Split(Field);
            if (f.Length < 6) continue;
            commits.Add(f[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            var lines = entry[(raw + 1)..].Split('\n',
                StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var line in lines)
            {
                // ":100644 100644 <old> <new> M\t<environment>/<model>/config.yaml"
                var tab = line.IndexOf('\t');
                if (!line.StartsWith(':') || tab < 0) continue;
                var parts = line[(tab + 1)..].Split('/');
                var meta = line[..tab].Split(' ');
                if (parts.Length != 3 || parts[2] != "config.yaml" || !environments.Contains(parts[0])
                    || meta.Length < 5)
                    continue;
                var blob = meta[4].StartsWith('D') ? null : meta[3];
                changes.Add((parts[0], parts[1], f[0], f[1].Split(' ', StringSplitOptions.RemoveEmptyEntries),
                    long.Parse(f[2], CultureInfo.InvariantCulture), f[3], f[4], f[5].Trim(), blob));
            }
        }
        // Newest first: the oldest commit listed continues the line at since, or since is not on it.
        if (since is not null && (commits.Count == 0 || commits[^1].FirstOrDefault() != since)) return null;
        var wanted = changes.Where(c => c.Blob is not null).Select(c => c.Blob!)
            .Concat(changes.Where(c => c.Parents.Length > 1).Select(c => c.Parents[1])).Distinct().ToList();
        var objects = await CatFileAsync(wanted, ct);
        return new PinLog(tip, changes.AsEnumerable().Reverse().Select(c => new PinChange
        {
            Environment = c.Env,
            Model = c.Model,
            Commit = c.Commit,
            At = DateTimeOffset.FromUnixTimeSeconds(c.Time),
            Message = c.Message,
            Author = c.Author,
            Committer = c.Committer,
            BranchAuthor = c.Parents.Length > 1 ? AuthorOf(objects.GetValueOrDefault(c.Parents[1]) ?? "") : null,
            Content = c.Blob is null ? null : objects.GetValueOrDefault(c.Blob),
        }).ToList());
    }

    /// <summary>Objects by id through one <c>git cat-file --batch</c>.</summary>
    private async Task<Dictionary<string, string>> CatFileAsync(List<string> oids, CancellationToken ct)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (oids.Count == 0) return result;
        using var output = new MemoryStream();
        await _git.RunAsync(WorkDir, ["cat-file", "--batch"], output, string.Concat(oids.Select(o => o + "\n")), ct);
        // Each answer: "<oid> <type> <size>\n<size bytes>\n", in the order asked.
        var bytes = output.GetBuffer().AsSpan(0, (int)output.Length);
        var at = 0;
        foreach (var oid in oids)
        {
            var end = bytes[at..].IndexOf((byte)'\n') + at;
            var header = Encoding.ASCII.GetString(bytes[at..end]).Split(' ');
            if (header.Length < 3) { at = end + 1; continue; } // "<oid> missing" (a shallow clone)
            var size = int.Parse(header[2], CultureInfo.InvariantCulture);
            result[oid] = Encoding.UTF8.GetString(bytes.Slice(end + 1, size));
            at = end + 1 + size + 1;
        }
        return result;
    }

    /// <summary>"Name &lt;email&gt;" from a commit object's author line.</summary>
    private static string? AuthorOf(string commit)
    {
        var line = commit.Split('\n').FirstOrDefault(l => l.StartsWith("author ", StringComparison.Ordinal));
        if (line is null) return null;
        var close = line.LastIndexOf('>');
        return close < 0 ? null : line["author ".Length..(close + 1)];
    }
}
