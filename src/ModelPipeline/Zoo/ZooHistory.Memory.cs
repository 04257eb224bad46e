using System.Collections.Concurrent;
using System.Text.Json;
using ModelPipeline.Errors;
using ModelPipeline.RunState;

namespace ModelPipeline.Zoo;

/// <summary>What the client remembers: <c>zoo-seen-&lt;hash&gt;.json</c>, the last zoo commit it accepted.</summary>
public sealed partial class ZooHistory
{
    /// <summary>
    /// The file's content: the commit, and the versions whose folders this client has hashed and found
    /// equal to their ledger line ("model/vN" → the line's hash). The history check keeps them so, so
    /// they are not hashed again while the file lives.
    /// </summary>
    private sealed record Seen(string Zoo, string Commit, DateTimeOffset SeenAt)
    {
        public SortedDictionary<string, string> Verified { get; init; } = new(StringComparer.Ordinal);
    }

    /// <summary>Writers of seen files in this process take turns (parallel models share the file).</summary>
    private static readonly SemaphoreSlim Writing = new(1, 1);

    /// <summary>Parsed seen files by path, with the write time and length they were read at.</summary>
    private static readonly ConcurrentDictionary<string, (DateTime Written, long Length, Seen Value)> Cache =
        new(StringComparer.Ordinal);

    /// <summary>A copy of the seen file's content to change and write.</summary>
    private Seen? Load() =>
        Peek() is { } seen ? seen with { Verified = new(seen.Verified, StringComparer.Ordinal) } : null;

    /// <summary>
    /// The seen file's content as parsed once for its write time and length, shared: read it, never change it
    /// (a copy per read made every lookup of a 1,000-model zoo cost a copy of 1,000 entries).
    /// </summary>
    private Seen? Peek()
    {
        try
        {
            var file = new FileInfo(SeenPath);
            if (!file.Exists) return null;
            if (Cache.TryGetValue(SeenPath, out var cached)
                && cached.Written == file.LastWriteTimeUtc && cached.Length == file.Length)
                return cached.Value;
            var seen = JsonSerializer.Deserialize<Seen>(File.ReadAllText(SeenPath), RunStateStore.Json);
            if (seen is null) return null;
            Cache[SeenPath] = (file.LastWriteTimeUtc, file.Length, seen);
            return seen;
        }
        catch (JsonException)
        {
            throw new OperationFailedException($"{SeenPath} (the zoo commit this client last saw) is unreadable. " +
                "Fix: restore it, or delete it to trust the zoo's current tip again.");
        }
    }

    /// <summary>The commit this client last accepted, or null on first use.</summary>
    public string? Remembered() => Peek()?.Commit;

    /// <summary>Records <paramref name="commit"/> as seen, unless the remembered one descends from it.</summary>
    public async Task RememberAsync(string? commit, CancellationToken ct)
    {
        if (commit is null || Remembered() == commit) return;
        await Writing.WaitAsync(ct);
        try
        {
            var seen = Load();
            if (seen?.Commit == commit || seen is not null && await IsAncestorAsync(commit, seen.Commit, ct)) return;
            var verified = seen?.Verified ?? new(StringComparer.Ordinal);
            Write(new Seen(Source, commit, DateTimeOffset.UtcNow) { Verified = verified });
        }
        finally
        {
            Writing.Release();
        }
    }

    /// <summary>Whether this client already found the version equal to this ledger line.</summary>
    public bool IsVerified(LedgerEntry entry) =>
        Peek()?.Verified.TryGetValue($"{entry.Model}/v{entry.Version}", out var hash) == true && hash == entry.Hash;

    /// <summary>Remembers that the version matched its ledger line (only once a commit is remembered).</summary>
    public void MarkVerified(LedgerEntry entry)
    {
        Writing.Wait();
        try
        {
            if (Load() is not { } seen || entry.Hash is null) return;
            seen.Verified[$"{entry.Model}/v{entry.Version}"] = entry.Hash;
            Write(seen);
        }
        finally
        {
            Writing.Release();
        }
    }

    private void Write(Seen seen) =>
        AtomicFile.WriteAllText(SeenPath, JsonSerializer.Serialize(
            seen with { Verified = new(seen.Verified, StringComparer.Ordinal) }, RunStateStore.Json) + "\n");
}
