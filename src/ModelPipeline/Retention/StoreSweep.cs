using System.Text.Json;
using System.Text.RegularExpressions;
using ModelPipeline.Oci;

namespace ModelPipeline.Retention;

/// <summary>A version whose image gc may delete: its roots (image, ModelPack) and the tags gc itself gave it.</summary>
public sealed record SweepCandidate(string Model, int Version, IReadOnlyList<string> Roots,
    IReadOnlySet<string> OwnTags);

/// <summary>What deleting one version's image removes from its store.</summary>
public sealed record VersionSweep
{
    public required string Model { get; init; }
    public required int Version { get; init; }
    public required IReadOnlyList<string> Manifests { get; init; }
    public required IReadOnlyList<string> Tags { get; init; }
    public required IReadOnlyList<string> Blobs { get; init; }
    public required long Bytes { get; init; }

    /// <summary>Why the image stays although the version is unreferenced (a tag gc did not set), else null.</summary>
    public string? KeptBecause { get; init; }

    /// <summary>True when the store no longer had the version's image.</summary>
    public bool AlreadyGone { get; init; }
}

/// <summary>
/// Mark and sweep over one store. Everything reachable from a kept root is kept: the root, an index's
/// children, and its attachments found through the cosign and referrers tag scheme (<c>sha256-&lt;hex&gt;</c>,
/// <c>.sig</c>, <c>.att</c>, <c>.sbom</c>), transitively (an SBOM's signature). A candidate's closure minus
/// that is deleted; a candidate that another tag (not one gc's own) points at is kept. Bytes count the
/// manifests and the blobs no remaining manifest uses, so a layer two versions share is freed only with both.
/// </summary>
public sealed partial class StoreSweep(ICollectableStore store)
{
    private sealed record Doc(long Size, IReadOnlyList<string> Children, IReadOnlyList<Descriptor> Blobs);

    private readonly Dictionary<string, Doc?> _docs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _attachments = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<VersionSweep>> PlanAsync(IReadOnlyList<SweepCandidate> candidates,
        IReadOnlySet<string> protectedDigests, CancellationToken ct)
    {
        var tags = await store.TagsAsync(ct);
        foreach (var (tag, digest) in tags)
            if (AttachmentTag().Match(tag) is { Success: true } m)
                Attachments("sha256:" + m.Groups[1].Value).Add(digest);
        var candidateRoots = candidates.SelectMany(c => c.Roots).ToHashSet(StringComparer.Ordinal);
        var foreign = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (tag, digest) in tags.Where(t => !AttachmentTag().IsMatch(t.Tag)))
            if (candidateRoots.Contains(digest)
                && !candidates.Any(c => c.Roots.Contains(digest) && c.OwnTags.Contains(tag)))
                foreign.TryAdd(digest, tag);
        var keepRoots = new HashSet<string>(protectedDigests, StringComparer.Ordinal);
        keepRoots.UnionWith(tags.Where(t => !AttachmentTag().IsMatch(t.Tag) && !candidateRoots.Contains(t.Digest))
            .Select(t => t.Digest));
        keepRoots.UnionWith(foreign.Keys);
        var keep = await ReachAsync(keepRoots, ct);

        var sweeps = new List<(SweepCandidate C, HashSet<string> Del, string? Kept, bool Gone)>();
        var allDel = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in candidates)
        {
            var gone = (await Task.WhenAll(c.Roots.Take(1).Select(r => LoadAsync(r, ct)))).All(d => d is null);
            var kept = c.Roots.Select(r => protectedDigests.Contains(r)
                    ? "another version or a pin uses the same digest"
                    : foreign.TryGetValue(r, out var t) ? $"the tag {t} (not set by modelpipe) points at it" : null)
                .FirstOrDefault(k => k is not null);
            var del = kept is null ? await ReachAsync(c.Roots, ct) : [];
            del.ExceptWith(keep);
            del.ExceptWith(allDel);
            allDel.UnionWith(del);
            sweeps.Add((c, del, kept, gone));
        }

        var remaining = await ReachAsync(tags.Select(t => t.Digest).Concat(keepRoots), ct);
        remaining.ExceptWith(allDel);
        var used = remaining.SelectMany(d => _docs[d]!.Blobs).Select(b => b.Digest).ToHashSet(StringComparer.Ordinal);
        var counted = new HashSet<string>(StringComparer.Ordinal);
        return sweeps.Select(s =>
        {
            var blobs = s.Del.SelectMany(d => _docs[d]!.Blobs)
                .Where(b => !used.Contains(b.Digest) && !allDel.Contains(b.Digest) && counted.Add(b.Digest))
                .ToList();
            var manifests = s.Del.OrderBy(d => d, StringComparer.Ordinal).ToList();
            return new VersionSweep
            {
                Model = s.C.Model,
                Version = s.C.Version,
                Manifests = manifests,
                Tags = tags.Where(t => s.Del.Contains(t.Digest) && t.Tag.Length > 0).Select(t => t.Tag)
                    .Order(StringComparer.Ordinal).ToList(),
                Blobs = blobs.Select(b => b.Digest).ToList(),
                Bytes = manifests.Sum(d => _docs[d]!.Size) + blobs.Sum(b => b.Size),
                KeptBecause = s.Kept,
                AlreadyGone = s.Gone,
            };
        }).ToList();
    }

    /// <summary>Deletes what <paramref name="sweep"/> planned: the manifests, then the blobs where the store does that
    /// itself.</summary>
    public async Task<bool> ApplyAsync(VersionSweep sweep, CancellationToken ct)
    {
        await store.DeleteManifestsAsync(sweep.Manifests, ct);
        return await store.DeleteBlobsAsync(sweep.Blobs, ct);
    }

    private List<string> Attachments(string subject) =>
        _attachments.TryGetValue(subject, out var list) ? list : _attachments[subject] = [];

    private async Task<HashSet<string>> ReachAsync(IEnumerable<string> roots, CancellationToken ct)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(roots);
        while (stack.TryPop(out var digest))
        {
            if (seen.Contains(digest) || await LoadAsync(digest, ct) is not { } doc) continue;
            seen.Add(digest);
            foreach (var child in doc.Children) stack.Push(child);
            foreach (var attached in Attachments(digest)) stack.Push(attached);
        }
        return seen;
    }

    private async Task<Doc?> LoadAsync(string digest, CancellationToken ct)
    {
        if (_docs.TryGetValue(digest, out var cached)) return cached;
        var manifest = await store.ManifestAsync(digest, ct);
        Doc? doc = null;
        if (manifest is { } m)
        {
            using var json = JsonDocument.Parse(m.Bytes);
            var root = json.RootElement;
            var children = MediaTypes.IsIndex(m.MediaType) && root.TryGetProperty("manifests", out var list)
                ? list.EnumerateArray().Select(e => e.GetProperty("digest").GetString()!).ToList() : [];
            var blobs = new List<Descriptor>();
            if (root.TryGetProperty("config", out var config)) blobs.Add(Read(config));
            if (root.TryGetProperty("layers", out var layers)) blobs.AddRange(layers.EnumerateArray().Select(Read));
            doc = new Doc(m.Bytes.Length, children, blobs);
        }
        _docs[digest] = doc;
        return doc;
    }

    private static Descriptor Read(JsonElement e) => new()
    {
        MediaType = e.TryGetProperty("mediaType", out var t) ? t.GetString() ?? "" : "",
        Digest = e.GetProperty("digest").GetString()!,
        Size = e.TryGetProperty("size", out var s) ? s.GetInt64() : 0,
    };

    [GeneratedRegex("^sha256-([0-9a-f]{64})(\\.(sig|att|sbom))?$")]
    private static partial Regex AttachmentTag();
}
