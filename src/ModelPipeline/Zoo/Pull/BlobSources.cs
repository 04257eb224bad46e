using ModelPipeline.Errors;
using ModelPipeline.Oci;

namespace ModelPipeline.Zoo.Pull;

/// <summary>Where image blobs come from, by digest. Streams are raw: <see cref="ImageReader"/> verifies them.</summary>
internal interface IBlobSource
{
    string Describe { get; }

    Task<Stream> OpenAsync(Descriptor blob, string what, CancellationToken ct);
}

/// <summary>An OCI image layout directory (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/sha256/…</c>).</summary>
internal sealed class LayoutBlobSource : IBlobSource
{
    private readonly string _dir;

    public LayoutBlobSource(string dir)
    {
        _dir = Path.GetFullPath(dir);
        if (!File.Exists(Path.Combine(_dir, "oci-layout")))
            throw new InvalidInputException($"{_dir} is not an OCI image layout (no oci-layout file). Fix: pass --layout DIR of the layout PackageModelCar wrote, or set $.modelcar.layoutDir in pipeline.json.");
    }

    public string Describe => $"the OCI layout {_dir}";

    public Task<Stream> OpenAsync(Descriptor blob, string what, CancellationToken ct)
    {
        var path = Path.Combine(_dir, "blobs", "sha256", blob.Digest["sha256:".Length..]);
        if (!File.Exists(path))
            throw new OperationFailedException($"{what} {blob.Digest} is not in {Describe}. Fix: run PackageModelCar into this layout, or pass --layout DIR.");
        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan));
    }
}

/// <summary>A registry repository, through PackageModelCar's registry client (its credentials and retries).</summary>
internal sealed class RegistryBlobSource(RegistryClient client, ImageReference repository) : IBlobSource
{
    public string Describe => $"the registry repository {repository.Name}";

    public async Task<Stream> OpenAsync(Descriptor blob, string what, CancellationToken ct)
    {
        if (what == "image manifest")
        {
            var (bytes, _, _) = await client.GetManifestAsync(repository.Repository, blob.Digest, ct);
            return new MemoryStream(bytes, writable: false);
        }
        return await client.OpenBlobAsync(repository.Repository, new Oci.Descriptor { MediaType = blob.MediaType, Digest = blob.Digest, Size = blob.Size ?? 0 }, ct);
    }
}
