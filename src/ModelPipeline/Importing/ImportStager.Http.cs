using ModelPipeline.Errors;
using ModelPipeline.Training.Kfp;

namespace ModelPipeline.Importing;

/// <summary>
/// One file over http(s): GET, streamed into the staging folder while hashed and counted against
/// <c>artifacts.maxTotalBytes</c>; the caller compares the digest with <c>--sha256</c>. The file is
/// named after the URL's last path segment. A 4xx is invalid input (exit 2), a 5xx or a broken
/// connection a failed operation (exit 1); either way nothing is kept.
/// </summary>
internal sealed partial class ImportStager
{
    private async Task<(string, string?)> FromHttpAsync(Uri url, string staging, CancellationToken ct)
    {
        var shown = Redactor.Redact(url.GetLeftPart(UriPartial.Path));
        var name = Path.GetFileName(Uri.UnescapeDataString(url.AbsolutePath));
        if (string.IsNullOrEmpty(name))
            throw new InvalidInputException($"model '{Name}': --from {shown}: the URL names no file. " +
                "Fix: give the URL of the file itself (its last path segment becomes the file name).") { Model = Name };
        var target = Target(staging, name, shown);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(config.Fetch.TimeoutSeconds) };
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = (int)response.StatusCode;
            if (status is >= 400 and < 500)
                throw new InvalidInputException($"model '{Name}': --from {shown} answered HTTP {status}; nothing was imported. " +
                    "Fix: check the URL and that it needs no credentials.") { Model = Name };
            if (!response.IsSuccessStatusCode)
                throw new OperationFailedException($"model '{Name}': --from {shown} answered HTTP {status}; nothing was imported. " +
                    "Fix: try again later.") { Model = Name };
            if (response.Content.Headers.ContentLength > MaxBytes) throw TooLarge(shown);
            using var progress = reporter.StartTransfer(Name, $"{name} ({url.Host})", response.Content.Headers.ContentLength);
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            var sha = await ArtifactCollector.CopyHashedAsync(body, target, progress, MaxBytes, () => TooLarge(shown), ct);
            if (response.Content.Headers.ContentLength is { } length && new FileInfo(target).Length != length)
                throw new OperationFailedException($"model '{Name}': --from {shown}: the body was cut short " +
                    $"({new FileInfo(target).Length} of {length} bytes); nothing was imported. Fix: try again.") { Model = Name };
            return ("http", sha);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw new OperationFailedException($"model '{Name}': downloading --from {shown} failed ({ex.Message}); " +
                "nothing was imported. Fix: check the URL and the network, then run the import again.") { Model = Name };
        }
    }
}
