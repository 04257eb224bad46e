using ModelPipeline.Errors;

namespace ModelPipeline.Oci;

/// <summary>
/// An OCI image-layout directory (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/sha256/</c>):
/// the embedded destination that needs no registry. Tags are <c>org.opencontainers.image.ref.name</c>
/// annotations in index.json, so <c>skopeo copy oci:DIR:TAG ...</c> reads them. Blobs are written
/// to a temp file and renamed into place once their digest is known; nothing half-written remains.
/// </summary>
public sealed partial class OciLayout : IImageTarget
{
    public const string RefName = "org.opencontainers.image.ref.name";

    public OciLayout(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public long BytesWritten { get; private set; }

    public string BlobPath(string digest) => Path.Combine(Root, "blobs", "sha256", OciDigest.Hex(digest));

    public Task<bool> HasBlobAsync(Descriptor blob, CancellationToken ct)
    {
        var file = new FileInfo(BlobPath(blob.Digest));
        return Task.FromResult(file.Exists && file.Length == blob.Size);
    }

    public async Task<BuiltLayer> PushLayerAsync(TarLayer layer, LayerCompression compression, CancellationToken ct)
    {
        var temp = TempBlob();
        try
        {
            BuiltLayer built;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
                built = await LayerBlob.WriteAsync(layer, compression, file, ct);
            Commit(temp, built.Descriptor.Digest);
            BytesWritten += built.Descriptor.Size;
            return built;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public async Task<bool> PushBlobAsync(Descriptor blob, Func<CancellationToken, Task<Stream>> open, CancellationToken ct)
    {
        var temp = TempBlob();
        try
        {
            await using (var source = await open(ct))
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
            await using (var digesting = new DigestingStream(file))
            {
                await source.CopyToAsync(digesting, 1 << 20, ct);
                if (digesting.Digest() != blob.Digest || digesting.BytesWritten != blob.Size)
                    throw new OperationFailedException($"blob {blob.Digest} arrived as {digesting.Digest()} ({digesting.BytesWritten} of {blob.Size} bytes); nothing was stored. Fix: re-run; if it persists, the source is corrupt.");
            }
            Commit(temp, blob.Digest);
            BytesWritten += blob.Size;
            return true;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public Task<bool> HasManifestAsync(string digest, CancellationToken ct) =>
        Task.FromResult(File.Exists(BlobPath(digest)) && LookupOf(ReadIndex()).Digests.Contains(digest));

    public async Task PutManifestAsync(byte[] manifest, string mediaType, string tag, CancellationToken ct)
    {
        var digest = OciDigest.Of(manifest);
        var desc = new Descriptor { MediaType = mediaType, Digest = digest, Size = manifest.Length };
        if (!await HasBlobAsync(desc, ct))
            await PushBlobAsync(desc, _ => Task.FromResult<Stream>(new MemoryStream(manifest, writable: false)), ct);
        SetTag(desc, tag);
    }

    /// <summary>Points another tag at a manifest already in the layout (no blob is written).</summary>
    public void AddTag(string digest, string tag)
    {
        var existing = ReadIndex().Manifests.FirstOrDefault(m => m.Digest == digest)
            ?? throw new OperationFailedException($"{Root}: no manifest {digest} in index.json. Fix: package the model first (./build.sh PackageModelCar).");
        SetTag(existing with { Annotations = null }, tag);
    }

    /// <summary>The manifest a tag points at, or null.</summary>
    public Descriptor? Resolve(string tag) => LookupOf(ReadIndex()).Tags.GetValueOrDefault(tag);

    /// <summary>An index's manifests by tag (the first per tag, as a scan finds it) and their digests.</summary>
    private sealed record IndexLookup(Dictionary<string, Descriptor> Tags, HashSet<string> Digests);

    /// <summary>
    /// Made once per parsed index: 1,000 models each asking for their tag and manifest scanned 4,000 entries each
    /// time, a cost that grew with the square of the layout's size.
    /// </summary>
    private static IndexLookup LookupOf(ImageIndex index) => Lookups.GetValue(index, i =>
    {
        var lookup = new IndexLookup(new(StringComparer.Ordinal), new(StringComparer.Ordinal));
        foreach (var m in i.Manifests)
        {
            lookup.Digests.Add(m.Digest);
            if (m.Annotations?.GetValueOrDefault(RefName) is { } t) lookup.Tags.TryAdd(t, m);
        }
        return lookup;
    });

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ImageIndex, IndexLookup> Lookups =
        new();

    /// <summary>
    /// index.json as parsed, by path, with the write time and length it was read at: a layout holding 1,000 models'
    /// tags is parsed once per change, not once per model that asks whether its manifest is there.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (DateTime Written, long Length, ImageIndex Index)> Parsed =
        new(StringComparer.Ordinal);

    public ImageIndex ReadIndex()
    {
        var path = Path.Combine(Root, "index.json");
        var file = new FileInfo(path);
        if (!file.Exists) return new ImageIndex();
        if (Parsed.TryGetValue(path, out var cached) && cached.Written == file.LastWriteTimeUtc && cached.Length == file.Length)
            return cached.Index;
        var index = OciJson.Deserialize<ImageIndex>(File.ReadAllBytes(path), path);
        Parsed[path] = (file.LastWriteTimeUtc, file.Length, index);
        return index;
    }

    /// <summary>index.json is read, changed and written under this lock: models packaged in parallel each keep their tag.</summary>
    private static readonly Lock IndexGate = new();

    /// <summary>
    /// Points <paramref name="tag"/> at <paramref name="manifest"/>: index.json written atomically, and the index this
    /// process wrote kept as the parsed one, so the next tag of a run (1,000 models packaged) does not parse again
    /// the file it has just written.
    /// </summary>
    private void SetTag(Descriptor manifest, string tag)
    {
        lock (IndexGate)
        {
            var entries = ReadIndex().Manifests.Where(m => m.Annotations?.GetValueOrDefault(RefName) != tag).ToList();
            entries.Add(manifest with { Annotations = new Dictionary<string, string> { [RefName] = tag } });
            var index = new ImageIndex { Manifests = entries };
            var path = Path.Combine(Root, "index.json");
            RunState.AtomicFile.WriteAllBytes(path, OciJson.Serialize(index));
            var file = new FileInfo(path);
            Parsed[path] = (file.LastWriteTimeUtc, file.Length, index);
        }
    }

    private string TempBlob()
    {
        var dir = Path.Combine(Root, "blobs", "sha256");
        Directory.CreateDirectory(dir);
        var layoutFile = Path.Combine(Root, "oci-layout");
        if (!File.Exists(layoutFile)) RunState.AtomicFile.WriteAllBytes(layoutFile, """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray());
        return Path.Combine(dir, $".tmp-{Guid.NewGuid():N}");
    }

    private void Commit(string temp, string digest) => File.Move(temp, BlobPath(digest), overwrite: true);
}
