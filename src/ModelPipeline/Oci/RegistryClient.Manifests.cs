using System.Net;
using System.Net.Http.Headers;
using ModelPipeline.Errors;

namespace ModelPipeline.Oci;

/// <summary>Manifests: HEAD, GET (with the media type), PUT (checked against <c>Docker-Content-Digest</c>), re-tag.</summary>
public sealed partial class RegistryClient
{
    public async Task<bool> HasManifestAsync(string repository, string reference, CancellationToken ct)
    {
        using var response = await SendAsync(() => Request(HttpMethod.Head, Url(repository, $"manifests/{reference}"), MediaTypes.ManifestAccept), PullScope(repository), ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        if (!response.IsSuccessStatusCode) throw await RegistryErrors.ToExceptionAsync(Registry, response, ct);
        return true;
    }

    /// <summary>The digest a tag points at (from <c>Docker-Content-Digest</c>, else the manifest's bytes), or null when there is no such tag.</summary>
    public async Task<string?> ResolveTagAsync(string repository, string tag, CancellationToken ct)
    {
        using (var response = await SendAsync(() => Request(HttpMethod.Head, Url(repository, $"manifests/{tag}"), MediaTypes.ManifestAccept), PullScope(repository), ct))
        {
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            if (!response.IsSuccessStatusCode) throw await RegistryErrors.ToExceptionAsync(Registry, response, ct);
            if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { Length: > 0 } digest) return digest;
        }
        return (await GetManifestAsync(repository, tag, ct)).Digest;
    }

    public async Task<(byte[] Bytes, string MediaType, string Digest)> GetManifestAsync(string repository,
        string reference, CancellationToken ct) =>
        (await FindManifestAsync(repository, reference, missingIsNull: false, ct))!.Value;

    /// <summary>One GET: the manifest with its media type and digest; on 404 null, or the registry's error.</summary>
    private async Task<(byte[] Bytes, string MediaType, string Digest)?> FindManifestAsync(string repository,
        string reference, bool missingIsNull, CancellationToken ct)
    {
        using var response = await SendAsync(() => Request(HttpMethod.Get, Url(repository, $"manifests/{reference}"), MediaTypes.ManifestAccept), PullScope(repository), ct);
        if (missingIsNull && response.StatusCode == HttpStatusCode.NotFound) return null;
        if (!response.IsSuccessStatusCode) throw await RegistryErrors.ToExceptionAsync(Registry, response, ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        var digest = OciDigest.Of(bytes);
        if (reference.StartsWith("sha256:", StringComparison.Ordinal) && digest != reference)
            throw new OperationFailedException($"registry {Registry}: manifest {repository}@{reference} arrived with digest {digest}; refusing it.");
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? MediaTypes.OciManifest;
        return (bytes, mediaType, digest);
    }

    /// <summary>PUTs manifest bytes under a tag (or digest); returns the digest the registry confirmed.</summary>
    public async Task<string> PutManifestAsync(string repository, string reference, byte[] manifest, string mediaType, CancellationToken ct)
    {
        var digest = OciDigest.Of(manifest);
        using var response = await SendAsync(() =>
        {
            var content = new ByteArrayContent(manifest);
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return new HttpRequestMessage(HttpMethod.Put, Url(repository, $"manifests/{reference}")) { Content = content };
        }, PushScope(repository), ct);
        if (response.StatusCode != HttpStatusCode.Created) throw await RegistryErrors.ToExceptionAsync(Registry, response, ct);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } confirmed && confirmed != digest)
            throw new OperationFailedException($"registry {Registry}: stored manifest {repository}:{reference} as {confirmed}, but its bytes hash to {digest}. Fix: the registry rewrote the manifest; use a registry that stores OCI manifests unchanged.");
        return digest;
    }

    /// <summary>Points another tag at an existing manifest: the same bytes re-PUT, no blob uploaded.</summary>
    public async Task AddTagAsync(string repository, string digest, string tag, CancellationToken ct)
    {
        var (bytes, mediaType, _) = await GetManifestAsync(repository, digest, ct);
        await PutManifestAsync(repository, tag, bytes, mediaType, ct);
    }
}
