using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace ModelPipeline.Git;

/// <summary>
/// The files of one commit of a clone, listed with one git process (<c>ls-tree</c>) and moved to a later commit
/// with one more (<c>diff-tree</c>). Contents are read with <c>cat-file --batch</c> when first asked for: the first
/// few reads take the files of the folders named like the asked file's (<c>test/m/</c> and <c>prod/m/</c> for one
/// model), and after that every file not read yet, so a run over one model of 1,000 reads that model's files and a run
/// over 1,000 models reads the repository in a few processes, not 1,000. Files over 64 KiB are read one by one.
/// </summary>
public sealed class GitTreeSnapshot : IDisposable
{
    private const int SmallFile = 64 * 1024;

    private static readonly ConcurrentDictionary<string, GitTreeSnapshot> ByWorkTree = new(StringComparer.Ordinal);

    private readonly GitCli _git;
    private readonly string _workTree;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, Entry> _files = new(StringComparer.Ordinal);
    private string? _commit;

    /// <summary>Reads that took only the asked file's folders; after <see cref="NarrowReads"/> of them, all.</summary>
    private int _narrowReads;

    private const int NarrowReads = 8;

    private GitTreeSnapshot(GitCli git, string workTree)
    {
        _git = git;
        _workTree = workTree;
    }

    /// <param name="size">Bytes, or -1 when not listed (a diff's entry).</param>
    private sealed class Entry(string oid, long size)
    {
        public string Oid { get; } = oid;
        public string? Content { get; set; }

        /// <summary>Worth a place in a <c>cat-file --batch</c> read: small (or of unknown size) and not read yet.</summary>
        public bool Batched => Content is null && !Read && size <= SmallFile;

        /// <summary>Asked of a batch (a file found over 64 KiB there keeps no content and is read on its own).</summary>
        public bool Read { get; set; }
    }

    /// <summary>The snapshot of a clone's working tree folder (one per folder and process).</summary>
    public static GitTreeSnapshot For(GitCli git, string workTree) =>
        ByWorkTree.GetOrAdd(Path.GetFullPath(workTree), path => new GitTreeSnapshot(git, path));

    /// <summary>Forgets the snapshot (it is read again at its next use).</summary>
    public void Dispose()
    {
        ByWorkTree.TryRemove(new KeyValuePair<string, GitTreeSnapshot>(_workTree, this));
        _gate.Dispose();
    }

    /// <summary>A file's content at <paramref name="commit"/>, or null when it has no such file.</summary>
    public async Task<string?> ReadAsync(string commit, string path, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await MoveToAsync(commit, ct);
            if (!_files.TryGetValue(path, out var entry)) return null;
            if (entry.Batched)
            {
                var folder = Path.GetFileName(Path.GetDirectoryName(path)) ?? "";
                var narrow = _narrowReads++ < NarrowReads;
                await FillAsync(_files.Where(f => f.Value.Batched
                    && (!narrow || Path.GetFileName(Path.GetDirectoryName(f.Key)) == folder)).Select(f => f.Value)
                    .ToList(), ct);
            }
            return entry.Content ??= await _git.RunAsync(_workTree, ["cat-file", "blob", entry.Oid], ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The paths at <paramref name="commit"/> under <paramref name="folder"/> (e.g. <c>test/</c>) with their content.</summary>
    public async Task<IReadOnlyList<(string Path, string Content)>> ReadAllAsync(string commit, string folder, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await MoveToAsync(commit, ct);
            var result = new List<(string, string)>();
            var under = _files.Where(f => f.Key.StartsWith(folder, StringComparison.Ordinal)).ToList();
            await FillAsync(under.Where(f => f.Value.Batched).Select(f => f.Value).ToList(), ct);
            foreach (var (path, entry) in under.OrderBy(f => f.Key, StringComparer.Ordinal))
                result.Add((path, entry.Content ??= await _git.RunAsync(_workTree, ["cat-file", "blob", entry.Oid], ct)));
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task MoveToAsync(string commit, CancellationToken ct)
    {
        if (_commit == commit) return;
        if (_commit is not null)
        {
            try
            {
                await ApplyDiffAsync(_commit, commit, ct);
                _commit = commit;
                return;
            }
            catch (GitException)
            {
                // The old commit is gone (a gc after a forced push): read the new one whole.
            }
        }
        await LoadAsync(commit, ct);
        _commit = commit;
    }

    private async Task LoadAsync(string commit, CancellationToken ct)
    {
        _files.Clear();
        _commit = null;
        // "<mode> <type> <oid> <size>\t<path>" for each file.
        var listing = await _git.RunAsync(_workTree, ["ls-tree", "-r", "-z", "-l", "--full-tree", commit], ct);
        foreach (var line in listing.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t');
            var fields = line[..tab].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 4 || fields[1] != "blob") continue;
            _files[line[(tab + 1)..]] = new Entry(fields[2],
                long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? size : -1);
        }
    }

    private async Task ApplyDiffAsync(string from, string to, CancellationToken ct)
    {
        // ":<old mode> <new mode> <old oid> <new oid> <status>\0<path>\0" for each changed file.
        var diff = await _git.RunAsync(_workTree, ["diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", from, to], ct);
        var parts = diff.Split('\0');
        for (var i = 0; i + 1 < parts.Length; i += 2)
        {
            var fields = parts[i].TrimStart(':').Split(' ');
            var path = parts[i + 1];
            if (fields.Length != 5) continue;
            if (fields[4] == "D" || fields[1] is "000000" or "160000") _files.Remove(path);
            else _files[path] = new Entry(fields[3], -1);
        }
    }

    /// <summary>Reads the entries' content with one <c>cat-file --batch</c>.</summary>
    private async Task FillAsync(IReadOnlyList<Entry> entries, CancellationToken ct)
    {
        if (entries.Count == 0) return;
        using var output = new MemoryStream();
        await _git.RunAsync(_workTree, ["cat-file", "--batch"], output, string.Concat(entries.Select(e => e.Oid + "\n")), ct);
        // Each answer: "<oid> blob <size>\n<size bytes>\n" (or "<oid> missing\n"), in the order asked.
        var bytes = output.GetBuffer().AsSpan(0, (int)output.Length);
        var at = 0;
        foreach (var entry in entries)
        {
            entry.Read = true;
            var end = bytes[at..].IndexOf((byte)'\n') + at;
            var header = Encoding.ASCII.GetString(bytes[at..end]).Split(' ');
            if (header.Length != 3)
            {
                at = end + 1;
                continue;
            }
            var size = int.Parse(header[2], CultureInfo.InvariantCulture);
            if (size <= SmallFile) entry.Content = Encoding.UTF8.GetString(bytes.Slice(end + 1, size));
            at = end + 1 + size + 1;
        }
    }
}
