using System.Net;
using System.Net.Http.Headers;

namespace ModelPipeline.Oci;

/// <summary>
/// What attaching artifacts to an image needs: manifests that may be absent, PUT by digest telling
/// whether the registry indexed the <c>subject</c> (<c>OCI-Subject</c> header), and the referrers API.
/// </summary>
public sealed partial class RegistryClient
{
    /// <summary>The manifest under a tag or digest, or null when the registry has none (one GET).</summary>
    public async Task<byte[]?> TryGetManifestAsync(string repository, string reference, CancellationToken ct) =>
        (await FindManifestAsync(repository, reference, missingIsNull: true, ct))?.Bytes;

    /// <summary>PUTs a manifest; true when the registry answered <c>OCI-Subject</c> (it serves the referrers API for that subject).</summary>
    public async Task<bool> PutManifestWithSubjectAsync(string repository, string reference, byte[] manifest, string mediaType, CancellationToken ct)
    {
        using var response = await SendAsync(() =>
        {
            var content = new ByteArrayContent(manifest);
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return new HttpRequestMessage(HttpMethod.Put, Url(repository, $"manifests/{reference}")) { Content = content };
        }, PushScope(repository), ct);
        if (response.StatusCode != HttpStatusCode.Created) throw await RegistryErrors.ToExceptionAsync(Registry, response, ct);
        return response.Headers.Contains("OCI-Subject");
    }

    /// <summary>The referrers API's image index for a digest, or null when the registry does not serve the API.</summary>
    public async Task<byte[]?> GetReferrersAsync(string repository, string digest, CancellationToken ct)
    {
        using var response = await SendAsync(() => Request(HttpMethod.Get, Url(repository, $"referrers/{digest}"), MediaTypes.OciIndex), PullScope(repository), ct);
        if (response.StatusCode != HttpStatusCode.OK) return null;
        if (response.Content.Headers.ContentType?.MediaType != MediaTypes.OciIndex) return null;
        return await response.Content.ReadAsByteArrayAsync(ct);
    }
}
