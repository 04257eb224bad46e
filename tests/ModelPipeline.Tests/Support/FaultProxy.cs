using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace ModelPipeline.Tests.Support;

/// <summary>
/// A loopback HTTP proxy in front of a real registry: forwards every request, counts the blob
/// bytes uploaded through it, and injects failures on the requests a rule matches
/// (a status with optional Retry-After, or a connection cut after some body bytes).
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromMinutes(5) };
    private readonly List<Fault> _faults = [];
    private readonly Lock _gate = new();
    private long _uploaded;
    private int _completedUploads;
    private readonly List<(string Method, string PathPart, Func<bool> Until)> _holds = [];

    private FaultProxy(WebApplication app, string target)
    {
        _app = app;
        Target = target;
    }

    public string Target { get; }

    public string Host { get; private set; } = "";

    /// <summary>Blob bytes that reached the registry in PATCH/PUT bodies of blob uploads.</summary>
    public long UploadedBlobBytes => Interlocked.Read(ref _uploaded);

    public List<string> Log { get; } = [];

    /// <summary>The Authorization headers that reached the registry.</summary>
    public List<string> Authorizations { get; } = [];

    /// <summary>Fails the next <paramref name="times"/> requests matching <paramref name="method"/> and a path containing <paramref name="pathPart"/>.</summary>
    public void Fail(string method, string pathPart, int times, int status, int? retryAfterSeconds = null, long? cutAfterBytes = null)
    {
        lock (_gate) _faults.Add(new Fault(method, pathPart, status, retryAfterSeconds, cutAfterBytes) { Remaining = times });
    }

    public static async Task<FaultProxy> StartAsync(string targetHost)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        var proxy = new FaultProxy(app, targetHost);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        proxy.Host = new Uri(app.Urls.First()).Authority;
        return proxy;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path + request.QueryString;
        lock (_gate)
        {
            Log.Add($"{request.Method} {path}");
            if (request.Headers.Authorization.Count > 0) Authorizations.Add(request.Headers.Authorization.ToString());
        }
        Fault? fault;
        lock (_gate)
        {
            fault = _faults.FirstOrDefault(f => f.Remaining > 0 && f.Method == request.Method && path.Contains(f.PathPart, StringComparison.Ordinal));
            if (fault is not null) fault.Remaining--;
        }
        List<Func<bool>> holds;
        lock (_gate)
            holds = [.. _holds.Where(h => h.Method == request.Method
                && path.Contains(h.PathPart, StringComparison.Ordinal)).Select(h => h.Until)];
        for (var waited = 0; waited < 6000 && !holds.TrueForAll(until => until()); waited++)
            await Task.Delay(10, context.RequestAborted);
        if (fault is { CutAfterBytes: { } cut })
        {
            var buffer = new byte[64 * 1024];
            long read = 0;
            int n;
            while (read < cut && (n = await request.Body.ReadAsync(buffer)) > 0) read += n;
            context.Abort();
            return;
        }
        if (fault is not null)
        {
            context.Response.StatusCode = fault.Status;
            if (fault.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await context.Response.WriteAsync("""{"errors":[{"code":"UNAVAILABLE","message":"injected by the test proxy"}]}""");
            return;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), new Uri($"http://{Target}{path}"));
        var isUpload = request.Method is "PATCH" or "PUT" && request.Path.Value!.Contains("/blobs/uploads/", StringComparison.Ordinal);
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var counting = new CountingStream(request.Body, n => { if (isUpload) Interlocked.Add(ref _uploaded, n); });
            forward.Content = new StreamContent(counting);
            if (request.ContentLength is { } length) forward.Content.Headers.ContentLength = length;
            if (request.ContentType is { } type) forward.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        }
        else if (request.Method is "PUT" or "PATCH" or "POST")
        {
            forward.Content = new ByteArrayContent([]);
            if (request.ContentType is { } type) forward.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        }
        foreach (var (name, values) in request.Headers)
        {
            if (name is "Host" or "Content-Length" or "Content-Type" or "Transfer-Encoding") continue;
            forward.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values);
        }
        forward.Headers.Host = Host;
        using var response = await _upstream.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        if (isUpload && request.Method == "PUT" && response.StatusCode == HttpStatusCode.Created)
            Interlocked.Increment(ref _completedUploads);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (name is "Transfer-Encoding") continue;
            context.Response.Headers[name] = values.Select(v => v.Replace(Target, Host, StringComparison.Ordinal)).ToArray();
        }
        if (request.Method != "HEAD") await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    /// <summary>Blob uploads the registry completed (a PUT of an upload session answered 201).</summary>
    public int CompletedBlobUploads => Volatile.Read(ref _completedUploads);

    /// <summary>
    /// Holds requests matching <paramref name="method"/> and a path containing <paramref name="pathPart"/> until
    /// <paramref name="until"/> is true (checked every 10 ms, for at most a minute), then forwards them: an order of
    /// requests a test needs, made by events rather than by timing.
    /// </summary>
    public void Hold(string method, string pathPart, Func<bool> until)
    {
        lock (_gate) _holds.Add((method, pathPart, until));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }

    private sealed record Fault(string Method, string PathPart, int Status, int? RetryAfterSeconds, long? CutAfterBytes)
    {
        public int Remaining { get; set; }
    }

    private sealed class CountingStream(Stream inner, Action<int> counted) : Stream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            counted(n);
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            counted(n);
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
