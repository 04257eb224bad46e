using System.Security.Cryptography.X509Certificates;

namespace ModelPipeline.Tests.Support;

/// <summary>
/// A throwaway certificate authority and a server certificate for 127.0.0.1, made by the openssl CLI in a
/// test's temp dir. Clients are told to trust the CA only through the environment the test controls
/// (<c>GIT_SSL_CAINFO</c> for git), never through a global trust store or git config.
/// </summary>
public sealed class TestTls
{
    private TestTls(string caFile, X509Certificate2 server)
    {
        CaFile = caFile;
        ServerCertificate = server;
    }

    /// <summary>The CA certificate (PEM) to trust.</summary>
    public string CaFile { get; }

    /// <summary>The server certificate with its private key, for 127.0.0.1 and localhost.</summary>
    public X509Certificate2 ServerCertificate { get; }

    /// <summary>Why TLS tests cannot run here, or null.</summary>
    public static string? Missing() =>
        Tools.Has("openssl") ? null : "the openssl CLI is not installed (apt-get install openssl)";

    public static async Task<TestTls> CreateAsync(string dir)
    {
        Directory.CreateDirectory(dir);
        string P(string name) => Path.Combine(dir, name);
        await File.WriteAllTextAsync(P("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
        await Tools.RunOkAsync("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=modelpipe test CA", "-keyout", P("ca.key"), "-out", P("ca.pem"),
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        await Tools.RunOkAsync("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", P("server.key"), "-out", P("server.csr"));
        await Tools.RunOkAsync("openssl", "x509", "-req", "-in", P("server.csr"), "-CA", P("ca.pem"),
            "-CAkey", P("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", P("server.ext"),
            "-out", P("server.pem"));
        using var pem = X509Certificate2.CreateFromPemFile(P("server.pem"), P("server.key"));
        // Re-imported from PKCS#12 so that the key is usable by SslStream on every platform.
        return new TestTls(P("ca.pem"), X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null));
    }
}

/// <summary>A test needing the openssl CLI (for a throwaway certificate); skipped with the reason otherwise.</summary>
public sealed class TlsFactAttribute : FactAttribute
{
    public TlsFactAttribute()
    {
        if (TestTls.Missing() is { } reason) Skip = reason;
    }
}
