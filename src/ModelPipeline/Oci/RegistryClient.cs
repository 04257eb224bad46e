using System.Net;
using System.Net.Http.Headers;
using ModelPipeline.Errors;
using ModelPipeline.Progress;

namespace ModelPipeline.Oci;

/// <summary>
/// A client of the OCI distribution API for one registry, split by facet: auth
/// (<c>RegistryClient.Auth.cs</c>), blobs, uploads, manifests. One retry layer
/// (<see cref="WithRetriesAsync{T}"/>): 408, 429, 5xx and broken connections are retried a bounded
/// number of times, honouring <c>Retry-After</c>, and every attempt sends a complete new request.
/// </summary>
public sealed partial class RegistryClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly RegistryCredentials? _credentials;
    private readonly int _retries;
    private readonly TimeSpan _timeout;
    private readonly IPipelineReporter _reporter;

    public RegistryClient(string registry, bool plainHttp, RegistryCredentials? credentials, int retries, TimeSpan timeout, IPipelineReporter reporter)
    {
        Registry = registry;
        BaseUri = new Uri($"{(plainHttp ? "http" : "https")}://{registry}/");
        _credentials = credentials;
        _retries = retries;
        _timeout = timeout;
        _reporter = reporter;
        // Redirects are followed by HttpClient, which drops Authorization on the way: credentials
        // only ever go to the registry itself or to the token realm it announces.
        // No overall timeout on the client: a big layer upload may take longer than any fixed limit.
        // Every other request is bounded by the configured timeout (see SendOnceAsync).
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) }) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("modelpipe/1.0");
    }

    public string Registry { get; }

    public Uri BaseUri { get; }

    /// <summary>Blob bytes sent in upload bodies that the registry accepted.</summary>
    public long BytesUploaded => Interlocked.Read(ref _bytesUploaded);

    private long _bytesUploaded;

    public void Dispose() => _http.Dispose();

    private Uri Url(string repository, string path) => new(BaseUri, $"v2/{repository}/{path}");

    /// <summary>One request with auth, under the retry policy.</summary>
    private Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, string scope, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead) =>
        WithRetriesAsync(() => SendOnceAsync(create, scope, ct, completion), ct);

    /// <summary>One request with auth, no retry: throws <see cref="RetryableException"/> for a transient status.
    /// Bounded by the configured timeout unless <paramref name="bounded"/> is false (a layer upload).</summary>
    private async Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> create, string scope, CancellationToken outer,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, bool bounded = true)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(outer);
        if (bounded) limit.CancelAfter(_timeout);
        var ct = limit.Token;
        var request = create();
        Authorize(request, scope);
        var response = await _http.SendAsync(request, completion, ct);
        if (response.StatusCode == HttpStatusCode.Unauthorized && await AuthenticateAsync(response, scope, ct))
        {
            response.Dispose();
            request = create();
            Authorize(request, scope);
            response = await _http.SendAsync(request, completion, ct);
        }
        if (IsTransient(response.StatusCode))
        {
            var retryAfter = RetryAfter(response);
            var detail = await RegistryErrors.DescribeAsync(response, ct);
            response.Dispose();
            throw new RetryableException($"{request.Method} {Redactor.Redact(request.RequestUri?.ToString())}: {detail}", retryAfter);
        }
        return response;
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - DateTimeOffset.UtcNow;
        return null;
    }

    /// <summary>The one retry layer: bounded attempts, Retry-After honoured (capped at 60 s), else exponential backoff.</summary>
    private async Task<T> WithRetriesAsync<T>(Func<Task<T>> attempt, CancellationToken ct)
    {
        for (var n = 0; ; n++)
        {
            try
            {
                return await attempt();
            }
            catch (Exception ex) when (n < _retries && !ct.IsCancellationRequested && ex is RetryableException or HttpRequestException or IOException or TaskCanceledException)
            {
                var wait = (ex as RetryableException)?.RetryAfter ?? TimeSpan.FromMilliseconds(250 * Math.Pow(2, n));
                wait = TimeSpan.FromSeconds(Math.Clamp(wait.TotalSeconds, 0, 60));
                _reporter.Warning(null, $"{Registry}: {Redactor.Redact(ex.Message)}; retry {n + 1} of {_retries} in {wait.TotalSeconds:0.#} s");
                await Task.Delay(wait, ct);
            }
            catch (RetryableException ex)
            {
                throw new OperationFailedException($"registry {Registry} kept failing after {_retries + 1} attempt(s): {ex.Message}. Fix: check the registry's health, then re-run (finished blobs are not uploaded again).");
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && ex is HttpRequestException or IOException or TaskCanceledException)
            {
                throw new OperationFailedException($"registry {Registry} is unreachable after {_retries + 1} attempt(s): {Redactor.Redact(ex.Message)}. Fix: check modelcar.repository, the network and registry.plainHttp.", ex);
            }
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, Uri url, string? accept = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (accept is not null) request.Headers.Accept.ParseAdd(accept);
        return request;
    }

    private static Uri WithDigest(Uri location, string digest) =>
        new(location + (string.IsNullOrEmpty(location.Query) ? "?" : "&") + "digest=" + Uri.EscapeDataString(digest));

    private Uri Location(HttpResponseMessage response)
    {
        var location = response.Headers.Location
            ?? throw new OperationFailedException($"registry {Registry} started an upload without a Location header; it does not speak the OCI distribution API.");
        return location.IsAbsoluteUri ? location : new Uri(BaseUri, location);
    }

    private static MediaTypeHeaderValue Octets => new("application/octet-stream");

    internal sealed class RetryableException(string message, TimeSpan? retryAfter) : Exception(message)
    {
        public TimeSpan? RetryAfter { get; } = retryAfter;
    }
}
