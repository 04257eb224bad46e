using System.Net;
using System.Text.Json;
using ModelPipeline.RunState;
using ModelPipeline.Tests.Support;
using ModelPipeline.Validation;

namespace ModelPipeline.Tests.Packaging;

/// <summary>
/// A layer whose digest Validate recorded goes to Debian's docker-registry unhashed, in one <c>PUT ?digest=</c>, and
/// the registry is the verifier: the image is the one a hashing push makes, and a file changed since Validate is
/// refused with the clear message, nothing committed or tagged.
/// </summary>
public sealed class ValidatedLayerRegistryPushTests
{
    private const string PatchUpload = "PATCH /v2/modelzoo/blobs/uploads/";

    private static Dictionary<string, byte[]> Files()
    {
        var files = ValidatedModel.SmallFiles();
        files["weights.bin"] = ValidatedModel.RandomBytes(3 * 1024 * 1024, 11);
        return files;
    }

    private static object Car(string host) => new
    {
        destination = "registry",
        repository = $"{host}/modelzoo",
        baseImage = "scratch",
        layerSplitBytes = 1024 * 1024,
    };

    /// <summary>Model "demo" (small files and 3 MiB of weights) seeded, then put through the real Validate.</summary>
    private static async Task<string> ValidatedAsync(TestWorld world, string host)
    {
        ValidatedModel.Configure(world, Car(host));
        var key = ValidatedModel.Seed(world, "demo", Files());
        var validate = await Modelpipe.RunAsync(world.Root, ["validate", "--model", "demo"], ValidatedModel.Env(world));
        Assert.True(validate.ExitCode == 0, validate.All);
        return key;
    }

    private static ValidationReport Report(TestWorld world, string key) =>
        JsonSerializer.Deserialize<ValidationReport>(
            File.ReadAllText(Path.Combine(world.ArtifactsDir, "demo", "runs", key, "validate.json")),
            RunStateStore.Json)!;

    private static Task<Modelpipe.Result> PackageAsync(TestWorld world) =>
        Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));

    [Fact]
    public async Task Validate_records_the_digest_of_the_layer_a_layout_build_hashes_and_none_for_gzip_layers()
    {
        using var world = new TestWorld();
        var key = ValidatedModel.Seed(world, "demo", Files());
        ValidatedModel.Configure(world,
            new { baseImage = "scratch", layerSplitBytes = 1024 * 1024, compression = "gzip" });
        var gzip = await Modelpipe.RunAsync(world.Root, ["validate", "--model", "demo"], ValidatedModel.Env(world));
        Assert.True(gzip.ExitCode == 0, gzip.All);
        Assert.Null(Report(world, key).Layers);

        ValidatedModel.Configure(world, new { baseImage = "scratch", layerSplitBytes = 1024 * 1024 });
        var validate = await Modelpipe.RunAsync(world.Root, ["validate", "--model", "demo"], ValidatedModel.Env(world));
        Assert.True(validate.ExitCode == 0, validate.All);
        var recorded = Assert.Single(Report(world, key).Layers!.Digests);
        Assert.Equal("weights.bin", recorded.Key);
        // The OCI layout hashes every layer as it writes it: its weights layer has the digest Validate recorded.
        var run = await PackageAsync(world);
        Assert.True(run.ExitCode == 0, run.All);
        var blobs = Path.Combine(world.Root, ".pipeline", "oci", "blobs", "sha256");
        var manifest = JsonDocument.Parse(File.ReadAllText(
            Path.Combine(blobs, ValidatedModel.ReadRecord(world, "demo", key).Digest[7..]))).RootElement;
        Assert.Equal(recorded.Value, manifest.GetProperty("layers")[1].GetProperty("digest").GetString());
        Assert.True(File.Exists(Path.Combine(blobs, recorded.Value[7..])));
    }

    [RegistryFact]
    public async Task The_weights_go_up_unhashed_in_one_PUT_and_make_the_image_a_hashing_push_makes()
    {
        await using var registry = await LocalRegistry.StartAsync();
        await using var proxy = await FaultProxy.StartAsync(registry.Host);
        using var world = new TestWorld();
        var key = await ValidatedAsync(world, proxy.Host);
        // Only the file at or above layerSplitBytes has a layer of its own, so only its digest is recorded.
        var validated = Report(world, key).Layers!;
        var weightsLayer = Assert.Single(validated.Digests, d => d.Key == "weights.bin").Value;
        Assert.Single(validated.Digests);

        var run = await PackageAsync(world);

        Assert.True(run.ExitCode == 0, run.All);
        var digest = ValidatedModel.ReadRecord(world, "demo", key).Digest;
        var raw = JsonDocument.Parse(await Tools.RunOkAsync("skopeo", "inspect", "--raw", "--tls-verify=false",
            $"docker://{registry.Host}/modelzoo@{digest}")).RootElement;
        Assert.Equal(weightsLayer, raw.GetProperty("layers")[1].GetProperty("digest").GetString());
        // The small files' layer (no recorded digest) was streamed with a PATCH; the weights went in one PUT.
        Assert.Equal(1, proxy.Log.Count(l => l.StartsWith(PatchUpload, StringComparison.Ordinal)));
        Assert.Contains(proxy.Log, l => l.StartsWith("PUT /v2/modelzoo/blobs/uploads/", StringComparison.Ordinal)
            && l.Contains(Uri.EscapeDataString(weightsLayer), StringComparison.Ordinal));

        // The same files with no recorded digests (every hash computed while streaming) give the same image.
        await using var second = await LocalRegistry.StartAsync();
        ValidatedModel.Configure(world, Car(second.Host));
        ValidatedModel.Seed(world, "demo", Files());
        Assert.Null(Report(world, key).Layers);
        Directory.Delete(Path.Combine(world.Root, ".pipeline", "cache", "oci-layers"), recursive: true);
        var hashing = await PackageAsync(world);
        Assert.True(hashing.ExitCode == 0, hashing.All);
        Assert.Equal(digest, ValidatedModel.ReadRecord(world, "demo", key).Digest);
    }

    [RegistryFact]
    public async Task A_file_changed_since_Validate_is_refused_by_the_registry_and_nothing_is_committed()
    {
        await using var registry = await LocalRegistry.StartAsync();
        await using var proxy = await FaultProxy.StartAsync(registry.Host);
        using var world = new TestWorld();
        var key = await ValidatedAsync(world, proxy.Host);
        var validated = Report(world, key).Layers!.Digests["weights.bin"];
        // Same size, other bytes: no client hash runs, so only the registry's digest check can tell.
        ValidatedModel.FlipByte(world, "demo", key, "weights.bin");

        var run = await PackageAsync(world);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("weights.bin changed since it was validated", run.All, StringComparison.Ordinal);
        Assert.Contains("Fix: re-run Validate", run.All, StringComparison.Ordinal);
        Assert.DoesNotContain("retry", run.All, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(world.ArtifactsDir, "demo", "runs", key, "package.json")));
        // The refused PUT's session and the checked re-send's were both cancelled; no blob of the validated digest
        // (nor of the changed bytes) and no manifest or tag exist.
        Assert.Equal(2, proxy.Log.Count(l =>
            l.StartsWith("DELETE /v2/modelzoo/blobs/uploads/", StringComparison.Ordinal)));
        Assert.False(registry.HasBlob(validated));
        Assert.DoesNotContain(proxy.Log, l => l.StartsWith("PUT /v2/modelzoo/manifests/", StringComparison.Ordinal));
        using var http = new HttpClient();
        var blob = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head,
            new Uri($"http://{registry.Host}/v2/modelzoo/blobs/{validated}")));
        Assert.Equal(HttpStatusCode.NotFound, blob.StatusCode);
        var tags = await http.GetAsync(new Uri($"http://{registry.Host}/v2/modelzoo/tags/list"));
        Assert.DoesNotContain("demo-", await tags.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [RegistryFact]
    public async Task Blobs_sent_beside_a_refused_layer_are_stored_but_no_manifest_or_tag_is()
    {
        await using var registry = await LocalRegistry.StartAsync();
        await using var proxy = await FaultProxy.StartAsync(registry.Host);
        using var world = new TestWorld();
        var key = await ValidatedAsync(world, proxy.Host);
        var validated = Report(world, key).Layers!.Digests["weights.bin"];
        ValidatedModel.FlipByte(world, "demo", key, "weights.bin");
        // The weights' PUT ?digest= reaches the registry only once the small files' layer, the config and the
        // SBOM's and provenance's blobs (with the empty config "{}") are stored: they go up on another connection,
        // so they need not wait for it.
        proxy.Hold("PUT", Uri.EscapeDataString(validated), () => proxy.CompletedBlobUploads >= 5);

        var run = await PackageAsync(world);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("weights.bin changed since it was validated", run.All, StringComparison.Ordinal);
        var stored = proxy.Log.Where(l => l.StartsWith("PUT /v2/modelzoo/blobs/uploads/", StringComparison.Ordinal))
            .Select(l => Uri.UnescapeDataString(l.Split("digest=")[1].Split('&')[0]))
            .Where(registry.HasBlob).ToList();
        Assert.Equal(5, stored.Count);
        Assert.DoesNotContain(validated, stored);
        // No manifest: neither the image's, nor a referrer's, nor the referrers index; and no tag.
        Assert.DoesNotContain(proxy.Log, l => l.StartsWith("PUT /v2/modelzoo/manifests/", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(registry.DataDir, "docker", "registry", "v2", "repositories",
            "modelzoo", "_manifests")));
        using var http = new HttpClient();
        var tags = await http.GetAsync(new Uri($"http://{registry.Host}/v2/modelzoo/tags/list"));
        Assert.DoesNotContain("demo-", await tags.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
