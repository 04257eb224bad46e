using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Importing;

/// <summary><c>--from http(s)://</c>: a file served by a real HTTP server (Kestrel) on 127.0.0.1, verified by --sha256.</summary>
public sealed class ImportHttpTests
{
    private static async Task<(LoopbackServer Server, Func<int> Requests)> ServeAsync(byte[] body)
    {
        var requests = 0;
        var server = await LoopbackServer.StartAsync(async context =>
        {
            Interlocked.Increment(ref requests);
            if (context.Request.Path != "/releases/encoder/model.safetensors") { context.Response.StatusCode = 404; return; }
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body);
        });
        return (server, () => Volatile.Read(ref requests));
    }

    private static TestWorld World()
    {
        var world = new TestWorld();
        ImportKit.Configure(world);
        ImportKit.WriteModel(world, "encoder", "import", "model.safetensors", "metrics.json");
        File.WriteAllText(Path.Combine(world.Root, "eval.json"), """{"accuracy": 0.91}""");
        return world;
    }

    [Fact]
    public async Task Importing_over_http_with_the_right_sha256_publishes_the_file_and_records_the_url()
    {
        using var world = World();
        var body = ImportKit.Safetensors(3);
        var (server, _) = await ServeAsync(body);
        await using var _ = server;
        var url = new Uri(server.Address, "/releases/encoder/model.safetensors").ToString();

        var run = await ImportKit.ImportAsync(world, "encoder", "--from", url + "?X-Amz-Signature=presigned-secret", "--sha256", Convert.ToHexStringLower(SHA256.HashData(body)),
            "--metrics", "eval.json");

        Assert.True(run.ExitCode == 0, run.All);
        var manifest = await ImportKit.ZooManifestAsync(world, "encoder", 1);
        Assert.Equal("http", manifest["importedFrom"]!["kind"]!.GetValue<string>());
        Assert.Equal(url, manifest["importedFrom"]!["uri"]!.GetValue<string>());
        Assert.DoesNotContain("presigned-secret", run.All, StringComparison.Ordinal);
        var pulled = Path.Combine(world.Root, "pulled");
        var pull = await Modelpipe.RunAsync(world.Root, ["pull", "encoder@v1", "--to", pulled], ImportKit.Env(world));
        Assert.True(pull.ExitCode == 0, pull.All);
        Assert.Equal(body, File.ReadAllBytes(Path.Combine(pulled, "model.safetensors")));
    }

    [Fact]
    public async Task An_http_source_without_sha256_is_refused_with_exit_2_before_any_request()
    {
        using var world = World();
        var (server, requests) = await ServeAsync(ImportKit.Safetensors(3));
        await using var _ = server;

        var run = await ImportKit.ImportAsync(world, "encoder", "--from", new Uri(server.Address, "/releases/encoder/model.safetensors").ToString(),
            "--metrics", "eval.json");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("model 'encoder'", run.StdErr, StringComparison.Ordinal);
        Assert.Contains("an http(s) source needs --sha256 so the download can be verified. Fix: add --sha256 DIGEST", run.StdErr, StringComparison.Ordinal);
        Assert.Equal(0, requests());
        Assert.False(ImportKit.WroteRunState(world, "encoder"));
    }

    [Fact]
    public async Task A_download_whose_sha256_differs_is_refused_with_exit_1_and_nothing_is_kept_or_published()
    {
        using var world = World();
        var (server, requests) = await ServeAsync(ImportKit.Safetensors(3));
        await using var _ = server;
        var expected = Convert.ToHexStringLower(SHA256.HashData(ImportKit.Safetensors(4)));

        var run = await ImportKit.ImportAsync(world, "encoder", "--from", new Uri(server.Address, "/releases/encoder/model.safetensors").ToString(),
            "--sha256", expected, "--metrics", "eval.json");
        var missing = await ImportKit.ImportAsync(world, "encoder", "--from", new Uri(server.Address, "/releases/gone.safetensors").ToString(),
            "--sha256", expected);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"sha256 mismatch: expected {expected}", run.StdErr, StringComparison.Ordinal);
        Assert.Contains("nothing was imported", run.StdErr, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("answered HTTP 404; nothing was imported", missing.StdErr, StringComparison.Ordinal);
        Assert.Equal(2, requests());
        Assert.False(ImportKit.WroteRunState(world, "encoder"));
        Assert.False(ImportKit.InZoo(world, "encoder"));
    }
}
