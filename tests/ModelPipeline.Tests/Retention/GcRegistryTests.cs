using System.Net;
using System.Text.Json;
using ModelPipeline.GitOps;
using ModelPipeline.Progress;
using ModelPipeline.Tests.Support;
using ModelPipeline.Tests.Trust;
using ModelPipeline.Zoo;

namespace ModelPipeline.Tests.Retention;

/// <summary>modelpipe gc against Debian's docker-registry with deletion enabled, and the registry's own garbage
/// collection.</summary>
public sealed class GcRegistryTests
{
    [OpensslFact(registry: true)]
    public async Task Gc_on_thirty_versions_deletes_exactly_the_unreferenced_ones_and_the_registry_frees_their_bytes()
    {
        await using var registry = await LocalRegistry.StartAsync();
        using var gc = new GcWorld(new
        {
            destination = "registry", repository = $"{registry.Host}/modelzoo", baseImage = "scratch",
        });
        await gc.PublishAsync(30);
        var config = gc.Config;
        await new ZooRepository(config, NullReporter.Instance).SetAliasAsync("demo", "champion", 3, default);
        await gc.PinAsync("test", 5);
        await gc.PinAsync("prod", 7);
        await new EnvironmentFreezes(config, NullReporter.Instance)
            .FreezeAsync("demo", "prod", "incident 1", null, default);
        await gc.PinAsync("prod", 9, branch: "promote/demo-v9");
        int[] kept = [3, 5, 7, 9, 28, 29, 30];
        var collected = Enumerable.Range(1, 30).Except(kept).ToList();

        // Retention alone keeps everything: no version is older than a day.
        var young = await Modelpipe.RunAsync(gc.World.Root,
            ["gc", "--keep-last", "0", "--older-than", "1", "--yes", "--json"], gc.Env());
        Assert.True(young.ExitCode == 0, young.All);
        Assert.Empty(Collect(young.StdOut));

        // In CI a dry run is the default: it lists exactly the unreferenced versions and deletes nothing.
        var dry = await Modelpipe.RunAsync(gc.World.Root, ["gc", "--keep-last", "3", "--older-than", "0", "--json"],
            gc.Env());
        Assert.True(dry.ExitCode == 0, dry.All);
        Assert.Equal(collected, Collect(dry.StdOut).Keys.Order());
        Assert.Contains("CI=true: a dry run", dry.StdErr, StringComparison.Ordinal);
        Assert.True(await HasManifestAsync(registry, gc.Digests[1]));

        var blobs = new Dictionary<int, IReadOnlyList<string>>();
        foreach (var (v, digest) in gc.Digests) blobs[v] = await ImageBlobsAsync(registry, digest);
        var before = registry.BlobBytes();
        var run = await Modelpipe.RunAsync(gc.World.Root,
            ["gc", "--keep-last", "3", "--older-than", "0", "--yes", "--json"], gc.Env());
        Assert.True(run.ExitCode == 0, run.All);
        var bytes = Collect(run.StdOut);
        Assert.Equal(collected, bytes.Keys.Order());
        var row = JsonDocument.Parse(run.StdOut).RootElement.GetProperty("results")[0];
        Assert.Equal("gc", JsonDocument.Parse(run.StdOut).RootElement.GetProperty("command").GetString());
        string[] Reasons(int version) => [.. row.GetProperty("data").GetProperty("versions").EnumerateArray()
            .Single(v => v.GetProperty("version").GetInt32() == version).GetProperty("reasons").EnumerateArray()
            .Select(r => r.GetString()!)];
        Assert.Contains("alias champion", Reasons(3));
        Assert.Contains("test pin on main", Reasons(5));
        Assert.Contains("prod pin on main (frozen)", Reasons(7));
        Assert.Contains("prod pin on promote/demo-v9", Reasons(9));
        Assert.Contains("one of the newest 3", Reasons(28));

        foreach (var v in collected)
        {
            Assert.False(await HasManifestAsync(registry, gc.Digests[v]), $"v{v} image");
            Assert.False(await HasManifestAsync(registry, $"demo-v{v}"), $"v{v} tag");
            Assert.False(await HasManifestAsync(registry, $"sha256-{gc.Digests[v][7..]}.sig"), $"v{v} signature");
            Assert.False(await HasManifestAsync(registry, $"sha256-{gc.Digests[v][7..]}"), $"v{v} referrers");
        }
        foreach (var v in kept)
        {
            var verify = await Modelpipe.RunAsync(gc.World.Root, ["verify", $"demo@v{v}", "--key", gc.Key.PublicPath],
                gc.Env());
            Assert.True(verify.ExitCode == 0, $"v{v}: {verify.All}");
        }

        // The registry's garbage collection frees the collected images' blobs and keeps the kept ones'. It frees
        // nearly the bytes gc reported: older revisions of a referrers index, untagged, still name the SBOM manifest.
        Assert.Equal(before, registry.BlobBytes());
        await registry.GarbageCollectAsync();
        foreach (var v in collected) Assert.All(blobs[v], b => Assert.False(registry.HasBlob(b), $"v{v} blob {b}"));
        foreach (var v in kept) Assert.All(blobs[v], b => Assert.True(registry.HasBlob(b), $"v{v} blob {b}"));
        var freed = before - registry.BlobBytes();
        Assert.InRange(freed, bytes.Values.Sum() * 9 / 10, bytes.Values.Sum());
        Assert.True(bytes.Values.All(b => b > 4096), string.Join(", ", bytes));

        // The zoo keeps every record and says whose image is gone; verify does not count it as lost.
        var show = await Modelpipe.RunAsync(gc.World.Root, ["models", "show", "demo"], gc.Env());
        Assert.True(show.ExitCode == 0, show.All);
        foreach (var v in collected) Assert.Matches($"(?m)^v{v}\\b.*image collected", show.StdOut);
        foreach (var v in kept) Assert.DoesNotMatch($"(?m)^v{v}\\b.*image collected", show.StdOut);
        var pull = await Modelpipe.RunAsync(gc.World.Root,
            ["pull", "demo@v1", "--to", Path.Combine(gc.World.Root, "v1")], gc.Env());
        Assert.Equal(1, pull.ExitCode);
        Assert.Contains($"demo v1: its image {gc.Digests[1]} was deleted by modelpipe gc", pull.All,
            StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(gc.World.Root, "v1")));
        var audit = await Modelpipe.RunAsync(gc.World.Root, ["models", "verify"], gc.Env());
        Assert.True(audit.ExitCode == 0, audit.All);

        // A second run finds nothing more to delete.
        var again = await Modelpipe.RunAsync(gc.World.Root,
            ["gc", "--keep-last", "3", "--older-than", "0", "--yes", "--json"], gc.Env());
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Empty(Collect(again.StdOut));
    }

    /// <summary>version → bytes of every version the run collects (or would).</summary>
    internal static Dictionary<int, long> Collect(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("results").EnumerateArray()
            .SelectMany(r => r.GetProperty("data").GetProperty("versions").EnumerateArray())
            .Where(v => v.GetProperty("action").GetString() == "collect")
            .ToDictionary(v => v.GetProperty("version").GetInt32(), v => v.GetProperty("bytes").GetInt64());

    /// <summary>The config and layer digests of an image, read over the registry API.</summary>
    private static async Task<IReadOnlyList<string>> ImageBlobsAsync(LocalRegistry registry, string digest)
    {
        using var http = new HttpClient();
        var url = new Uri($"http://{registry.Host}/v2/modelzoo/manifests/{digest}");
        using var get = new HttpRequestMessage(HttpMethod.Get, url);
        get.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var response = await http.SendAsync(get);
        var manifest = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return [manifest.GetProperty("config").GetProperty("digest").GetString()!,
            .. manifest.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!)];
    }

    private static async Task<bool> HasManifestAsync(LocalRegistry registry, string reference)
    {
        using var http = new HttpClient();
        var url = new Uri($"http://{registry.Host}/v2/modelzoo/manifests/{reference}");
        using var head = new HttpRequestMessage(HttpMethod.Head, url);
        head.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        head.Headers.Accept.ParseAdd("application/vnd.oci.image.index.v1+json");
        using var response = await http.SendAsync(head);
        return response.StatusCode switch
        {
            HttpStatusCode.OK => true,
            HttpStatusCode.NotFound => false,
            var other => throw new InvalidOperationException($"HEAD {reference}: {other}"),
        };
    }
}
