using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ModelPipeline.Tests.Support;

/// <summary>
/// A Docker token service (the protocol docker-registry's <c>auth.token</c> speaks) on 127.0.0.1:
/// checks Basic credentials and issues RS256 JWTs with an <c>x5c</c> header, signed by a
/// self-signed certificate that the registry trusts (<see cref="CertificatePem"/>).
/// </summary>
public sealed class TokenServer : IAsyncDisposable
{
    public const string Issuer = "modelpipe-test-issuer";
    public const string Service = "modelpipe-test-registry";
    private readonly WebApplication _app;
    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _certificate;
    private readonly string _user;
    private readonly string _password;

    private TokenServer(WebApplication app, string user, string password)
    {
        _app = app;
        _user = user;
        _password = password;
        var request = new CertificateRequest("CN=modelpipe-test-token", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    public string Realm { get; private set; } = "";

    public string CertificatePem => _certificate.ExportCertificatePem();

    /// <summary>The Authorization schemes the token service received.</summary>
    public List<string> Requests { get; } = [];

    public static async Task<TokenServer> StartAsync(string user, string password)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new TokenServer(app, user, password);
        app.MapGet("/token", server.Issue);
        await app.StartAsync();
        server.Realm = new Uri(new Uri(app.Urls.First()), "/token").ToString();
        return server;
    }

    private IResult Issue(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        lock (Requests) Requests.Add(header.Split(' ')[0]);
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_user}:{_password}"));
        if (header != expected) return Results.Json(new { errors = new[] { new { code = "UNAUTHORIZED", message = "bad credentials" } } }, statusCode: 401);
        var access = context.Request.Query["scope"].SelectMany(s => (s ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(scope =>
        {
            var parts = scope.Split(':');
            return new { type = parts[0], name = string.Join(':', parts[1..^1]), actions = parts[^1].Split(',') };
        }).ToArray();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var head = new Dictionary<string, object> { ["alg"] = "RS256", ["typ"] = "JWT", ["x5c"] = new[] { Convert.ToBase64String(_certificate.RawData) } };
        var claims = new Dictionary<string, object>
        {
            ["iss"] = Issuer, ["sub"] = _user, ["aud"] = Service, ["exp"] = now + 300, ["nbf"] = now - 10, ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"), ["access"] = access,
        };
        var signingInput = B64(JsonSerializer.SerializeToUtf8Bytes(head)) + "." + B64(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return Results.Json(new { token = signingInput + "." + B64(signature), expires_in = 300 });
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
        _key.Dispose();
    }
}
