using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Fetching;

public sealed class FetchTests : IDisposable
{
    private readonly TestWorld _world = new();
    private static readonly byte[] Payload = RandomNumberGenerator.GetBytes(300_000);
    private static readonly string PayloadSha = Convert.ToHexStringLower(SHA256.HashData(Payload));

    public void Dispose() => _world.Dispose();

    private void WriteModel(string dataJson) => _world.WriteModel("demo", $$"""
        {
          "name": "demo", "description": "d", "owners": ["o"],
          "data": [ {{dataJson}} ],
          "training": { "backend": "local", "command": ["true"] },
          "artifacts": { "format": "onnx", "files": ["model.onnx"] },
          "validation": {},
          "serving": { "runtime": "onnx" }
        }
        """);

    private string CacheFile(string sha) => Path.Combine(_world.Root, ".pipeline", "cache", "sha256", sha);

    private string[] CacheTemp() =>
        Directory.Exists(Path.Combine(_world.Root, ".pipeline", "cache", "tmp"))
            ? Directory.GetFiles(Path.Combine(_world.Root, ".pipeline", "cache", "tmp"))
            : [];

    [Fact]
    public async Task A_url_source_is_downloaded_once_verified_and_then_served_from_the_cache()
    {
        var requests = 0;
        await using var server = await LoopbackServer.StartAsync(async ctx =>
        {
            Interlocked.Increment(ref requests);
            ctx.Response.ContentLength = Payload.Length;
            await ctx.Response.Body.WriteAsync(Payload);
        });
        WriteModel($$"""{ "name": "blob", "url": "{{server.Address}}data.bin", "sha256": "{{PayloadSha}}" }""");

        var first = await Modelpipe.RunAsync(_world.Root, "fetch", "--json");
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(Payload, await File.ReadAllBytesAsync(CacheFile(PayloadSha)));
        Assert.Contains("\"fromCache\": false", first.StdOut);

        var second = await Modelpipe.RunAsync(_world.Root, "fetch", "--json");
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(1, requests);
        Assert.Contains("\"fromCache\": true", second.StdOut);
    }

    [Fact]
    public async Task A_wrong_digest_fails_with_exit_1_and_leaves_nothing_in_the_cache()
    {
        await using var server = await LoopbackServer.StartAsync(ctx => ctx.Response.Body.WriteAsync(Payload).AsTask());
        var wrong = new string('a', 64);
        WriteModel($$"""{ "name": "blob", "url": "{{server.Address}}data.bin", "sha256": "{{wrong}}" }""");

        var result = await Modelpipe.RunAsync(_world.Root, "fetch");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"sha256 mismatch", result.All);
        Assert.Contains($"expected {wrong}, got {PayloadSha}", result.All);
        Assert.False(File.Exists(CacheFile(wrong)));
        Assert.False(File.Exists(CacheFile(PayloadSha)));
        Assert.Empty(CacheTemp());
        Assert.False(File.Exists(Path.Combine(_world.ArtifactsDir, "demo", "fetch.json")));
    }

    [Fact]
    public async Task A_truncated_body_is_retried_and_never_cached()
    {
        var requests = 0;
        await using var server = await LoopbackServer.StartAsync(async ctx =>
        {
            Interlocked.Increment(ref requests);
            ctx.Response.ContentLength = Payload.Length;
            await ctx.Response.Body.WriteAsync(Payload.AsMemory(0, Payload.Length / 2));
            await ctx.Response.Body.FlushAsync();
            ctx.Abort();
        });
        WriteModel($$"""{ "name": "blob", "url": "{{server.Address}}data.bin", "sha256": "{{PayloadSha}}" }""");

        var result = await Modelpipe.RunAsync(_world.Root, "fetch");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Nothing was cached", result.All);
        Assert.True(requests >= 2, $"expected retries, saw {requests} request(s)");
        Assert.False(File.Exists(CacheFile(PayloadSha)));
        Assert.Empty(CacheTemp());
    }

    [Fact]
    public async Task A_server_error_followed_by_success_ends_in_a_verified_download()
    {
        var requests = 0;
        await using var server = await LoopbackServer.StartAsync(async ctx =>
        {
            if (Interlocked.Increment(ref requests) == 1)
            {
                ctx.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }
            await ctx.Response.Body.WriteAsync(Payload);
        });
        WriteModel($$"""{ "name": "blob", "url": "{{server.Address}}data.bin", "sha256": "{{PayloadSha}}" }""");

        var result = await Modelpipe.RunAsync(_world.Root, "fetch");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(2, requests);
        Assert.Contains("retrying", result.All);
        Assert.True(File.Exists(CacheFile(PayloadSha)));
    }

    [Fact]
    public async Task A_404_fails_at_once_with_the_status_and_a_fix()
    {
        var requests = 0;
        await using var server = await LoopbackServer.StartAsync(ctx =>
        {
            Interlocked.Increment(ref requests);
            ctx.Response.StatusCode = 404;
            return Task.CompletedTask;
        });
        WriteModel($$"""{ "name": "blob", "url": "{{server.Address}}missing.bin", "sha256": "{{PayloadSha}}" }""");
        var result = await Modelpipe.RunAsync(_world.Root, "fetch");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("HTTP 404", result.All);
        Assert.Equal(1, requests);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_a_clear_failure_even_without_retries()
    {
        File.WriteAllText(Path.Combine(_world.Root, "pipeline.json"), """{ "fetch": { "timeoutSeconds": 1, "retries": 0 } }""");
        await using var server = await LoopbackServer.StartAsync(async ctx => await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted));
        WriteModel($$"""{ "name": "blob", "url": "{{server.Address}}slow.bin", "sha256": "{{PayloadSha}}" }""");

        var result = await Modelpipe.RunAsync(_world.Root, "fetch");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("download of", result.All);
        Assert.Contains("Nothing was cached", result.All);
        Assert.DoesNotContain("unexpected error", result.All);
        Assert.False(File.Exists(CacheFile(PayloadSha)));
    }

    [Fact]
    public async Task A_git_source_is_fetched_at_its_pinned_commit_even_after_the_branch_moves_on()
    {
        var repo = Path.Combine(_world.Root, "upstream");
        Directory.CreateDirectory(Path.Combine(repo, "sub"));
        await Git(repo, "init", "-q", "-b", "main");
        await File.WriteAllTextAsync(Path.Combine(repo, "sub", "rows.csv"), "v1\n");
        await Git(repo, "add", ".");
        await Git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "v1");
        var commit = (await Git(repo, "rev-parse", "HEAD")).Trim();
        await File.WriteAllTextAsync(Path.Combine(repo, "sub", "rows.csv"), "v2\n");
        await Git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-am", "v2");

        WriteModel($$"""{ "name": "rows", "git": "{{repo}}", "commit": "{{commit}}", "path": "sub" }""");
        var result = await Modelpipe.RunAsync(_world.Root, "fetch", "--json");
        Assert.Equal(0, result.ExitCode);
        var tree = Directory.GetDirectories(Path.Combine(_world.Root, ".pipeline", "cache", "git")).Single();
        Assert.Equal("v1\n", await File.ReadAllTextAsync(Path.Combine(tree, "rows.csv")));
        Assert.Contains($"git:{commit}:sub", result.StdOut);
    }

    [Fact]
    public async Task A_git_source_with_an_unknown_commit_fails_and_caches_no_tree()
    {
        var repo = Path.Combine(_world.Root, "upstream");
        Directory.CreateDirectory(repo);
        await Git(repo, "init", "-q", "-b", "main");
        await File.WriteAllTextAsync(Path.Combine(repo, "a.txt"), "a");
        await Git(repo, "add", ".");
        await Git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "a");
        var missing = new string('b', 40);
        WriteModel($$"""{ "name": "rows", "git": "{{repo}}", "commit": "{{missing}}" }""");

        var result = await Modelpipe.RunAsync(_world.Root, "fetch");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"commit {missing} was not found", result.All);
        Assert.False(Directory.Exists(Path.Combine(_world.Root, ".pipeline", "cache", "git")));
    }

    private static async Task<string> Git(string dir, params string[] args) =>
        (await CliWrap.Buffered.BufferedCommandExtensions.ExecuteBufferedAsync(
            CliWrap.Cli.Wrap("git").WithArguments(args).WithWorkingDirectory(dir))).StandardOutput;
}
