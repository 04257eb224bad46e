namespace ModelPipeline.Oci;

/// <summary>
/// Garbage collection in a layout: index.json entries are dropped in one atomic rewrite (under the
/// same lock as tagging, which holds between processes too), then the blobs nothing else uses are
/// deleted. A blob being written by a packager (a <c>.tmp-*</c> file, or one no manifest names yet) is never touched.
/// </summary>
public sealed partial class OciLayout
{
    /// <summary>Drops every index.json entry (each tag) that points at one of <paramref name="digests"/>.</summary>
    public async Task<int> RemoveManifestsAsync(IReadOnlySet<string> digests, CancellationToken ct)
    {
        using (await LockIndexAsync(ct))
        {
            var before = ReadIndexForChange().Manifests;
            var kept = before.Where(m => !digests.Contains(m.Digest)).ToList();
            if (kept.Count == before.Count) return 0;
            Write(new ImageIndex { Manifests = kept });
            return before.Count - kept.Count;
        }
    }

    /// <summary>Deletes a blob file; returns the bytes it held (0 when it was already gone).</summary>
    public long DeleteBlob(string digest)
    {
        var file = new FileInfo(BlobPath(digest));
        if (!file.Exists) return 0;
        var size = file.Length;
        file.Delete();
        return size;
    }
}
