using System.Net;
using System.Net.Http.Headers;
using ModelPipeline.Errors;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Training.Remote;

namespace ModelPipeline.Training.RunPod;

/// <summary>
/// Downloads an output archive streamed into a <c>.part</c> file, resuming with a Range request
/// after a broken connection (and on a re-run), then checks its sha256 when one is given. A wrong
/// digest or a 4xx answer deletes the file and refuses the job's output: nothing is kept.
/// </summary>
public sealed class ArchiveDownload(RemoteHttp http, IPipelineReporter reporter, string model, int attempts = 5)
{
    public async Task<string> DownloadAsync(Uri url, string? sha256, string partPath, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(partPath)!);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await AttemptAsync(url, partPath, ct);
                break;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException && attempt < attempts && !ct.IsCancellationRequested)
            {
                reporter.Warning(model, Redactor.Redact($"download of the archive broke ({ex.Message}); resuming at byte {new FileInfo(partPath).Length} ({attempt}/{attempts - 1})"));
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                throw new OperationFailedException(Redactor.Redact($"model '{model}': downloading the archive {url} failed: {ex.Message}. Re-running Train resumes it."), ex) { Model = model };
            }
        }
        if (sha256 is not null)
        {
            var got = await Digests.FileSha256Async(partPath, ct);
            if (!string.Equals(got, sha256, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(partPath);
                throw new RefusedOutputException($"model '{model}': the archive does not match the digest the job reported (sha256 {got[..12]}… ≠ {sha256[..Math.Min(12, sha256.Length)]}…); it was deleted and nothing was kept. Fix: re-run the training job.") { Model = model };
            }
        }
        return partPath;
    }

    private async Task AttemptAsync(Uri url, string partPath, CancellationToken ct)
    {
        var have = File.Exists(partPath) ? new FileInfo(partPath).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
        using var response = await http.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0) return;
        if ((int)response.StatusCode is >= 400 and < 500)
        {
            File.Delete(partPath);
            throw new RefusedOutputException(Redactor.Redact($"model '{model}': downloading the archive {url} answered HTTP {(int)response.StatusCode}; nothing was kept.")) { Model = model };
        }
        if (!response.IsSuccessStatusCode)
            throw new OperationFailedException(Redactor.Redact($"model '{model}': downloading the archive {url} answered HTTP {(int)response.StatusCode}. Fix: re-run Train; it resumes the download.")) { Model = model };
        var resume = response.StatusCode == HttpStatusCode.PartialContent;
        var length = response.Content.Headers.ContentLength;
        using var progress = reporter.StartTransfer(model, "archive", length + (resume ? have : 0));
        if (resume) progress.Advance(have);
        await using var file = new FileStream(partPath, resume ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[1 << 16];
        long read = 0;
        int n;
        while ((n = await body.ReadAsync(buffer, ct)) > 0)
        {
            await file.WriteAsync(buffer.AsMemory(0, n), ct);
            read += n;
            progress.Advance(n);
        }
        if (length is { } expected && read < expected)
            throw new IOException($"the connection closed after {read} of {expected} bytes");
    }
}
