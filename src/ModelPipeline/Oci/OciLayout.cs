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
        await SetTagAsync(_ => desc, tag, ct);
    }

    /// <summary>Points another tag at a manifest already in the layout (no blob is written).</summary>
    public Task AddTagAsync(string digest, string tag, CancellationToken ct) => SetTagAsync(index =>
        (index.Manifests.FirstOrDefault(m => m.Digest == digest)
            ?? throw new OperationFailedException($"{Root}: no manifest {digest} in index.json. Fix: package the model first (./build.sh PackageModelCar).")) with { Annotations = null },
        tag, ct);

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
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string,
        (DateTime Written, long Length, ImageIndex Index, byte[] Bytes)> Parsed =
        new(StringComparer.Ordinal);

    public ImageIndex ReadIndex()
    {
        var path = Path.Combine(Root, "index.json");
        var file = new FileInfo(path);
        if (!file.Exists) return new ImageIndex();
        if (Parsed.TryGetValue(path, out var cached) && cached.Written == file.LastWriteTimeUtc && cached.Length == file.Length)
            return cached.Index;
        return Parse(path, file.LastWriteTimeUtc, File.ReadAllBytes(path));
    }

    /// <summary>Parses index.json's bytes; <paramref name="written"/> is the write time seen before they were read.</summary>
    private static ImageIndex Parse(string path, DateTime written, byte[] bytes)
    {
        var index = OciJson.Deserialize<ImageIndex>(bytes, path);
        Parsed[path] = (written, bytes.Length, index, bytes);
        return index;
    }

    /// <summary>
    /// index.json as it is on disk now, for a change made under <see cref="LockIndexAsync"/>. The parsed copy is used
    /// only when the bytes are the same: another process's write can keep the length and, within the file system's
    /// clock tick, the write time.
    /// </summary>
    private ImageIndex ReadIndexForChange()
    {
        var path = Path.Combine(Root, "index.json");
        var file = new FileInfo(path);
        if (!file.Exists) return new ImageIndex();
        var bytes = File.ReadAllBytes(path);
        return Parsed.TryGetValue(path, out var cached) && cached.Bytes.AsSpan().SequenceEqual(bytes)
            ? cached.Index
            : Parse(path, file.LastWriteTimeUtc, bytes);
    }

    /// <summary>
    /// index.json is read, changed and written under this lock, between processes too (<c>index.json.lock</c> beside
    /// it): models packaged in parallel, in one process or in CI jobs sharing the layout, each keep their tag.
    /// </summary>
    private Task<IDisposable> LockIndexAsync(CancellationToken ct) => RunState.FileLock.AcquireAsync(
        Path.Combine(Root, "index.json.lock"), TimeSpan.FromMinutes(2), $"the OCI layout's index {Root}", ct);

    /// <summary>
    /// Points <paramref name="tag"/> at the manifest <paramref name="manifest"/> picks from the current index:
    /// index.json written atomically, and the index this process wrote kept as the parsed one, so the next tag of a
    /// run (1,000 models packaged) does not parse again the file it has just written.
    /// </summary>
    private async Task SetTagAsync(Func<ImageIndex, Descriptor> manifest, string tag, CancellationToken ct)
    {
        using (await LockIndexAsync(ct))
        {
            var current = ReadIndexForChange();
            var chosen = manifest(current);
            var entries = current.Manifests.Where(m => m.Annotations?.GetValueOrDefault(RefName) != tag).ToList();
            entries.Add(chosen with { Annotations = new Dictionary<string, string> { [RefName] = tag } });
            Write(new ImageIndex { Manifests = entries });
        }
    }

    private void Write(ImageIndex index)
    {
        var path = Path.Combine(Root, "index.json");
        var bytes = OciJson.Serialize(index);
        RunState.AtomicFile.WriteAllBytes(path, bytes);
        Parsed[path] = (new FileInfo(path).LastWriteTimeUtc, bytes.Length, index, bytes);
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
