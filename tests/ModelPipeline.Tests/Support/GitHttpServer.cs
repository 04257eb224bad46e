using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ModelPipeline.Tests.Support;

/// <summary>
/// Serves the bare repositories under <see cref="ProjectRoot"/> over git's smart HTTP protocol by
/// running the real <c>git http-backend</c> as a CGI program, from an ASP.NET Core app on
/// 127.0.0.1 (a free port). Every request must carry the token (HTTP Basic with the token as the
/// password, or Bearer), else 401. Failures can be injected: <see cref="FailWith"/> answers every
/// git request with that status. Extra routes (a fake forge API backed by these repositories) can
/// be added through the <c>configure</c> callback of <see cref="StartAsync"/>.
/// </summary>
public sealed class GitHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GitHttpServer(WebApplication app, string projectRoot, string? token)
    {
        _app = app;
        ProjectRoot = projectRoot;
        Token = token;
    }

    public string ProjectRoot { get; }

    /// <summary>The token every request must present (null: no authentication).</summary>
    public string? Token { get; set; }

    /// <summary>When set, every git request is answered with this status (e.g. 503) without running git.</summary>
    public int? FailWith { get; set; }

    /// <summary>
    /// Decides per request whether to inject a failure: return a status (e.g. 403 for pushes only,
    /// <c>r =&gt; r.Path.Value!.EndsWith("git-receive-pack") ? 403 : null</c>) or null to serve it.
    /// </summary>
    public Func<HttpRequest, int?>? Fault { get; set; }

    public string BaseUrl { get; private set; } = "";

    /// <summary>Method, path and query of every request, in arrival order (to check that no secret travels in a URL).</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>How many requests were refused with 401.</summary>
    public int Unauthorized => _unauthorized;

    private int _unauthorized;

    public string Url(string repo) => $"{BaseUrl}/{repo}";

    /// <param name="tls">When set, the server speaks https only, with this certificate (see <see cref="TestTls"/>).</param>
    public static async Task<GitHttpServer> StartAsync(
        string projectRoot, string? token, Action<WebApplication>? configure = null, TestTls? tls = null)
    {
        Directory.CreateDirectory(projectRoot);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l =>
        {
            if (tls is not null) l.UseHttps(tls.ServerCertificate);
        }));
        var app = builder.Build();
        var server = new GitHttpServer(app, Path.GetFullPath(projectRoot), token);
        configure?.Invoke(app);
        app.Map("/{**path}", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
        return server;
    }

    /// <summary>Creates a bare repository <paramref name="name"/> (e.g. "zoo.git") and returns its URL.</summary>
    public async Task<string> CreateRepoAsync(string name)
    {
        await BareRepo.CreateAsync(Path.Combine(ProjectRoot, name));
        await BareRepo.GitAsync(Path.Combine(ProjectRoot, name), "config", "http.receivepack", "true");
        return Url(name);
    }

    public bool IsAuthorized(HttpRequest request)
    {
        if (Token is null) return true;
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.Ordinal)) return header[7..] == Token;
        if (!header.StartsWith("Basic ", StringComparison.Ordinal)) return false;
        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..]));
            return pair.Split(':', 2) is [_, var password] && password == Token;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        Requests.Enqueue($"{request.Method} {request.Path}{request.QueryString}");
        if (!IsAuthorized(request))
        {
            Interlocked.Increment(ref _unauthorized);
            context.Response.StatusCode = 401;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"git\"";
            return;
        }
        if ((FailWith ?? Fault?.Invoke(request)) is { } status)
        {
            context.Response.StatusCode = status;
            return;
        }
        await RunBackendAsync(context);
    }

    private async Task RunBackendAsync(HttpContext context)
    {
        var request = context.Request;
        var start = new ProcessStartInfo("git", ["http-backend"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var env = start.Environment;
        env["GIT_PROJECT_ROOT"] = ProjectRoot;
        env["GIT_HTTP_EXPORT_ALL"] = "1";
        env["REQUEST_METHOD"] = request.Method;
        env["PATH_INFO"] = request.Path.Value ?? "/";
        env["QUERY_STRING"] = request.QueryString.HasValue ? request.QueryString.Value![1..] : "";
        env["CONTENT_TYPE"] = request.ContentType ?? "";
        env["REMOTE_USER"] = "git";
        env["REMOTE_ADDR"] = "127.0.0.1";
        if (request.Headers.ContentEncoding.Count > 0) env["HTTP_CONTENT_ENCODING"] = request.Headers.ContentEncoding.ToString();
        if (request.Headers.TryGetValue("Git-Protocol", out var protocol)) env["GIT_PROTOCOL"] = protocol.ToString();
        if (request.ContentLength is { } length) env["CONTENT_LENGTH"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture);

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var feed = Task.Run(async () =>
        {
            try { await request.Body.CopyToAsync(process.StandardInput.BaseStream); }
            finally { process.StandardInput.Close(); }
        });

        var output = process.StandardOutput.BaseStream;
        var status = 200;
        while (await ReadLineAsync(output) is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            var (name, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim());
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase)) status = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            else context.Response.Headers.Append(name, value);
        }
        context.Response.StatusCode = status;
        await output.CopyToAsync(context.Response.Body);
        await feed;
        await process.WaitForExitAsync();
        await stderr;
    }

    private static async Task<string?> ReadLineAsync(Stream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (await stream.ReadAsync(one) == 1)
        {
            if (one[0] == '\n') return Encoding.ASCII.GetString(bytes.ToArray()).TrimEnd('\r');
            bytes.Add(one[0]);
        }
        return bytes.Count == 0 ? null : Encoding.ASCII.GetString(bytes.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
