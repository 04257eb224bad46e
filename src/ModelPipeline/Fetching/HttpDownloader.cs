using System.Net;
using System.Security.Cryptography;
using ModelPipeline.Errors;
using ModelPipeline.Progress;
using Polly;
using Polly.Retry;

namespace ModelPipeline.Fetching;

/// <summary>
/// Downloads a URL into the content-addressed cache: streamed to a temp file while hashing,
/// renamed to <c>sha256/&lt;digest&gt;</c> only when the digest (and length) match.
/// </summary>
internal sealed class HttpDownloader(HttpClient http, string cacheDir, int retries, IPipelineReporter reporter)
{
    public string CachePath(string sha256) => CachePathIn(cacheDir, sha256);

    public static string CachePathIn(string cacheDir, string sha256) => Path.Combine(cacheDir, "sha256", sha256);

    public async Task<long> DownloadAsync(string model, string name, Uri url, string expected, CancellationToken ct)
    {
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(retries, 1),
                Delay = TimeSpan.FromMilliseconds(500),
                BackoffType = DelayBackoffType.Exponential,
                ShouldHandle = new PredicateBuilder().Handle<TransientDownloadException>().Handle<HttpRequestException>()
                    .Handle<TaskCanceledException>(_ => !ct.IsCancellationRequested),
                OnRetry = a =>
                {
                    reporter.Warning(model, $"download of '{name}' failed ({a.Outcome.Exception?.Message}); retrying ({a.AttemptNumber + 1}/{retries})");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        try
        {
            return retries == 0
                ? await AttemptAsync(model, name, url, expected, ct)
                : await pipeline.ExecuteAsync(async token => await AttemptAsync(model, name, url, expected, token), ct);
        }
        catch (Exception ex) when (ex is TransientDownloadException or HttpRequestException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw new OperationFailedException($"model '{model}', data source '{name}': download of {Redactor.Redact(url.ToString())} failed: {ex.Message} Nothing was cached. Fix: check the URL and network, then re-run Fetch.") { Model = model };
        }
    }

    private async Task<long> AttemptAsync(string model, string name, Uri url, string expected, CancellationToken ct)
    {
        var tmpDir = Path.Combine(cacheDir, "tmp");
        Directory.CreateDirectory(tmpDir);
        var temp = Path.Combine(tmpDir, $"{expected}.{Guid.NewGuid():N}.part");
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout)
                throw new TransientDownloadException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            if (!response.IsSuccessStatusCode)
                throw new OperationFailedException($"model '{model}', data source '{name}': {Redactor.Redact(url.ToString())} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}. Nothing was cached. Fix: check the URL and access rights.") { Model = model };

            var length = response.Content.Headers.ContentLength;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            using (var progress = reporter.StartTransfer(model, $"{name} ({url.Host})", length))
            await using (var body = await response.Content.ReadAsStreamAsync(ct))
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var buffer = new byte[1 << 20];
                int read;
                try
                {
                    while ((read = await body.ReadAsync(buffer, ct)) > 0)
                    {
                        hash.AppendData(buffer, 0, read);
                        await file.WriteAsync(buffer.AsMemory(0, read), ct);
                        total += read;
                        progress.Advance(read);
                    }
                }
                catch (IOException ex)
                {
                    throw new TransientDownloadException($"connection lost after {total} bytes ({ex.Message})");
                }
            }
            if (length is not null && total != length)
                throw new TransientDownloadException($"truncated body: got {total} of {length} bytes");
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != expected)
                throw new OperationFailedException(
                    $"model '{model}', data source '{name}': sha256 mismatch for {Redactor.Redact(url.ToString())}: expected {expected}, got {actual} ({total} bytes). Nothing was cached. Fix: if the file changed on purpose, update \"sha256\" in model.json; otherwise the server sent something else.") { Model = model };
            var final = CachePath(expected);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            File.Move(temp, final, overwrite: true);
            return total;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}

internal sealed class TransientDownloadException(string message) : Exception(message);
