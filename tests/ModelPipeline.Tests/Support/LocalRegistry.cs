using System.Diagnostics;

namespace ModelPipeline.Tests.Support;

/// <summary>
/// Debian's <c>docker-registry</c> (distribution 2.8) on 127.0.0.1 with a free port and its own
/// storage in a temp folder; optionally with htpasswd basic auth. Stopped (by process id) on dispose.
/// </summary>
public sealed class LocalRegistry : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private LocalRegistry(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    /// <summary>The registry's storage (filesystem driver); deletion is enabled (storage.delete.enabled).</summary>
    public string DataDir => Path.Combine(_dir, "data");

    /// <summary>The bytes of every blob the registry stores (manifests and layers alike).</summary>
    public long BlobBytes()
    {
        var blobs = Path.Combine(DataDir, "docker", "registry", "v2", "blobs");
        return Directory.Exists(blobs)
            ? Directory.EnumerateFiles(blobs, "data", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length)
            : 0;
    }

    /// <summary>Whether the registry's storage holds the blob (whatever repository links it).</summary>
    public bool HasBlob(string digest) =>
        File.Exists(Path.Combine(DataDir, "docker", "registry", "v2", "blobs", "sha256", digest[7..9], digest[7..],
            "data"));

    /// <summary>Runs the registry's own garbage collection (<c>docker-registry garbage-collect CONFIG</c>): it frees
    /// the blobs no manifest references any more.</summary>
    public Task GarbageCollectAsync() =>
        Tools.RunOkAsync("docker-registry", "garbage-collect", Path.Combine(_dir, "config.yml"));

    public static async Task<LocalRegistry> StartAsync(string? user = null, string? password = null, TokenServer? tokens = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "mp-registry", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var auth = "";
        if (user is not null)
        {
            var line = await Tools.RunOkAsync("htpasswd", "-Bbn", user, password!);
            await File.WriteAllTextAsync(Path.Combine(dir, "htpasswd"), line.Trim() + "\n");
            auth = $"auth:\n  htpasswd:\n    realm: modelpipe-test\n    path: {dir}/htpasswd\n";
        }
        if (tokens is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "token.crt"), tokens.CertificatePem);
            auth = $"auth:\n  token:\n    realm: {tokens.Realm}\n    service: {TokenServer.Service}\n    issuer: {TokenServer.Issuer}\n    rootcertbundle: {dir}/token.crt\n";
        }
        for (var attempt = 0; ; attempt++)
        {
            var port = Tools.FreePort();
            await File.WriteAllTextAsync(Path.Combine(dir, "config.yml"), $"""
                version: 0.1
                log:
                  level: warn
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: {dir}/data
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:{port}
                  secret: {Guid.NewGuid():N}
                {auth}
                """);
            var process = Process.Start(new ProcessStartInfo("docker-registry", ["serve", Path.Combine(dir, "config.yml")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var registry = new LocalRegistry(process, dir, port);
            if (await registry.WaitReadyAsync()) return registry;
            await registry.DisposeAsync();
            if (attempt == 2) throw new InvalidOperationException("docker-registry did not start on 127.0.0.1");
        }
    }

    private async Task<bool> WaitReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 100 && !_process.HasExited; i++)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://{Host}/v2/"));
                return true;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(100); // not listening yet, or too slow to answer on a loaded machine
            }
        }
        return false;
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return ValueTask.CompletedTask;
    }
}
