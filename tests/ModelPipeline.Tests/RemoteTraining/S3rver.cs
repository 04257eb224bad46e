using System.Diagnostics;
using System.Net.Sockets;
using Minio;
using Minio.DataModel.Args;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.RemoteTraining;

/// <summary>A real S3-compatible server (the s3rver npm package) on 127.0.0.1 with one bucket, for one test.</summary>
public sealed class S3rver : IAsyncDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    public const string Bucket = "models";
    private readonly Process _process;
    private readonly string _dir;

    private S3rver(Process process, string dir, int port) => (_process, _dir, Port) = (process, dir, port);

    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";

    public static string? Missing() => Tools.Has("s3rver") ? null : "s3rver (npm) is not installed; build/scripts/test-deps.d/s3rver.sh installs it";

    public static async Task<S3rver> StartAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mp-s3rver", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var port = Tools.FreePort();
        var process = Process.Start(new ProcessStartInfo("s3rver", ["-d", dir, "-a", "127.0.0.1", "-p", port.ToString(), "--silent", "--configure-bucket", Bucket])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        var server = new S3rver(process, dir, port);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                await Task.Delay(200);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        await server.DisposeAsync();
        throw new InvalidOperationException("s3rver did not start");
    }

    public async Task PutAsync(string key, string file)
    {
        using var client = (MinioClient)new MinioClient().WithEndpoint("127.0.0.1", Port).WithCredentials(AccessKey, SecretKey).WithRegion("us-east-1").WithSSL(false).Build();
        await client.PutObjectAsync(new PutObjectArgs().WithBucket(Bucket).WithObject(key).WithFileName(file).WithContentType("application/octet-stream"));
    }

    public async ValueTask DisposeAsync()
    {
        try { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); } catch (InvalidOperationException) { }
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
