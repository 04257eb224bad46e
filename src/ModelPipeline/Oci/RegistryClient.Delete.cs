using System.Net;
using System.Text.Json;
using ModelPipeline.Errors;

namespace ModelPipeline.Oci;

/// <summary>
/// What garbage collection needs: the tag list (<c>GET /v2/&lt;name&gt;/tags/list</c>, paged through the
/// <c>Link</c> header) and <c>DELETE /v2/&lt;name&gt;/manifests/&lt;digest&gt;</c>, which removes the
/// manifest and every tag pointing at it (202). A registry with deletion disabled answers 405
/// (<c>UNSUPPORTED</c>); its blobs are freed later by the registry's own garbage collection.
/// </summary>
public sealed partial class RegistryClient
{
    private static string DeleteScope(string repository) => $"repository:{repository}:pull,push,delete";

    public async Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken ct)
    {
        var tags = new List<string>();
        Uri? next = Url(repository, "tags/list?n=1000");
        while (next is not null)
        {
            var page = next;
            using var response = await SendAsync(() => Request(HttpMethod.Get, page), PullScope(repository), ct);
            if (response.StatusCode == HttpStatusCode.NotFound) return tags;
            if (!response.IsSuccessStatusCode) throw await RegistryErrors.ToExceptionAsync(Registry, response, ct);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(ct));
            if (doc.RootElement.TryGetProperty("tags", out var list) && list.ValueKind == JsonValueKind.Array)
                tags.AddRange(list.EnumerateArray().Select(t => t.GetString()).OfType<string>());
            next = NextPage(response);
        }
        return tags;
    }

    /// <summary>Deletes a manifest by digest; false when the registry no longer has it.</summary>
    public async Task<bool> DeleteManifestAsync(string repository, string digest, CancellationToken ct)
    {
        using var response = await SendAsync(() => Request(HttpMethod.Delete, Url(repository, $"manifests/{digest}")),
            DeleteScope(repository), ct);
        if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK or HttpStatusCode.NoContent)
            return true;
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        if (response.StatusCode == HttpStatusCode.MethodNotAllowed)
            throw new OperationFailedException($"registry {Registry} does not allow deleting manifests " +
                $"(DELETE {repository}@{digest[..19]} answered 405). Fix: enable deletion in the registry " +
                "(distribution: storage.delete.enabled: true), or run modelpipe gc --dry-run to only list what it "
                + "would delete.");
        throw await RegistryErrors.ToExceptionAsync(Registry, response, ct);
    }

    /// <summary>The next page of a paged listing (<c>Link: &lt;/v2/…&gt;; rel="next"</c>), or null.</summary>
    private Uri? NextPage(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links)) return null;
        foreach (var link in links)
        {
            var start = link.IndexOf('<', StringComparison.Ordinal);
            var end = link.IndexOf('>', StringComparison.Ordinal);
            if (start < 0 || end <= start || !link.Contains("rel=\"next\"", StringComparison.Ordinal)) continue;
            var target = link[(start + 1)..end];
            return Uri.TryCreate(target, UriKind.Absolute, out var absolute) ? absolute : new Uri(BaseUri, target);
        }
        return null;
    }
}
