using ModelPipeline.Configuration;
using ModelPipeline.Oci;
using ModelPipeline.Zoo;

namespace ModelPipeline.Packaging;

/// <summary>
/// The image store of a published version, as its zoo entry records it: the registry repository it
/// was pushed to, or the OCI layout (<c>modelcar.layoutDir</c>) for images packaged into one. Answers
/// whether the digest is still there and what a tag points at, and adds tags (never blobs).
/// </summary>
public sealed class PublishedImage(PipelineConfig config, RegistryConnector registries)
{
    public string Describe(ZooImage image) =>
        IsRegistry(image) ? $"the registry repository {image.Repository}" : $"the OCI layout {LayoutDir}";

    public async Task<bool> ExistsAsync(ZooImage image, CancellationToken ct)
    {
        if (!IsRegistry(image)) return await Layout().HasManifestAsync(image.Digest, ct);
        var (client, repository) = Registry(image);
        return await client.HasManifestAsync(repository, image.Digest, ct);
    }

    /// <summary>The digest <paramref name="tag"/> points at, or null when there is no such tag.</summary>
    public async Task<string?> TagDigestAsync(ZooImage image, string tag, CancellationToken ct)
    {
        if (!IsRegistry(image)) return Layout().Resolve(tag)?.Digest;
        var (client, repository) = Registry(image);
        return await client.ResolveTagAsync(repository, tag, ct);
    }

    /// <summary>Points <paramref name="tag"/> at the image's digest (same manifest bytes; no blob is written).</summary>
    public async Task SetTagAsync(ZooImage image, string tag, CancellationToken ct)
    {
        if (!IsRegistry(image))
        {
            await Layout().AddTagAsync(image.Digest, tag, ct);
            return;
        }
        var (client, repository) = Registry(image);
        await client.AddTagAsync(repository, image.Digest, tag, ct);
    }

    private static bool IsRegistry(ZooImage image) => image.Destination == "registry";

    private string LayoutDir => Path.GetFullPath(Path.Combine(config.RepoRoot, config.ModelCar.LayoutDir));

    private OciLayout Layout() => new(LayoutDir);

    private (RegistryClient Client, string Repository) Registry(ZooImage image)
    {
        var reference = ImageReference.Parse(image.Repository, $"the zoo manifest's image.repository '{image.Repository}'");
        return (registries.For(reference), reference.Repository);
    }
}
