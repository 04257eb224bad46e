using System.Text.Json;
using ModelPipeline.Configuration;
using ModelPipeline.Oci;
using ModelPipeline.Packaging;
using ModelPipeline.Progress;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Packaging;

/// <summary>PackageModelCar against Debian's docker-registry on 127.0.0.1, verified with skopeo.</summary>
public sealed class RegistryPushTests
{
    private static Dictionary<string, byte[]> Files()
    {
        var files = ValidatedModel.SmallFiles();
        files["weights.bin"] = ValidatedModel.RandomBytes(3 * 1024 * 1024, 11);
        return files;
    }

    /// <summary>Model "demo" validated and packaged to the registry at <paramref name="host"/>.</summary>
    private static async Task<(string Key, string Digest)> PackagedAsync(TestWorld world, string host)
    {
        ValidatedModel.Configure(world, RegistryCar(host));
        var key = ValidatedModel.Seed(world, "demo", Files());
        var pushed = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));
        Assert.True(pushed.ExitCode == 0, pushed.All);
        return (key, ValidatedModel.ReadRecord(world, "demo", key).Digest);
    }

    /// <summary>Packages the same model again through <paramref name="via"/> into <paramref name="registryHost"/>: it
    /// succeeds, and the image there is the first one.</summary>
    private static async Task PackagedAgainAsync(TestWorld world, string via, string registryHost, string key,
        string digest)
    {
        ValidatedModel.Configure(world, RegistryCar(via));
        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal(digest, ValidatedModel.ReadRecord(world, "demo", key).Digest);
        var inspect = await SkopeoInspectAsync($"{registryHost}/modelzoo:demo-{key[..12]}");
        Assert.Equal(digest, inspect.GetProperty("Digest").GetString());
    }

    private static object RegistryCar(string host, string? baseImage = null) => new
    {
        destination = "registry",
        repository = $"{host}/modelzoo",
        baseImage = baseImage ?? "scratch",
        layerSplitBytes = 1024 * 1024,
    };

    private static async Task<JsonElement> SkopeoInspectAsync(string reference, params string[] extra) =>
        JsonDocument.Parse(await Tools.RunOkAsync("skopeo", ["inspect", "--tls-verify=false", .. extra, $"docker://{reference}"])).RootElement;

    [RegistryFact]
    public async Task Pushing_to_a_registry_records_the_digest_skopeo_sees_and_a_repush_uploads_zero_blob_bytes()
    {
        await using var registry = await LocalRegistry.StartAsync();
        await using var proxy = await FaultProxy.StartAsync(registry.Host);
        var baseImage = await BusyboxBase.PushAsync(registry);
        using var world = new TestWorld();
        ValidatedModel.Configure(world, RegistryCar(proxy.Host, baseImage.Replace(registry.Host, proxy.Host, StringComparison.Ordinal)));
        var key = ValidatedModel.Seed(world, "demo", Files());

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));

        Assert.True(run.ExitCode == 0, run.All);
        var record = ValidatedModel.ReadRecord(world, "demo", key);
        Assert.Equal("registry", record.Destination);
        Assert.Equal($"oci://{proxy.Host}/modelzoo@{record.Digest}", record.StorageUri);
        Assert.Empty(record.Warnings);
        var inspect = await SkopeoInspectAsync($"{registry.Host}/modelzoo:{record.Tag}");
        Assert.Equal(record.Digest, inspect.GetProperty("Digest").GetString());
        Assert.Equal(3, inspect.GetProperty("Layers").GetArrayLength());
        // The busybox layer was mounted from its repository, not uploaded: exactly the config and our two layers went up.
        var raw = JsonDocument.Parse(await Tools.RunOkAsync("skopeo", "inspect", "--raw", "--tls-verify=false", $"docker://{registry.Host}/modelzoo:{record.Tag}")).RootElement;
        var expected = raw.GetProperty("config").GetProperty("size").GetInt64() + raw.GetProperty("layers").EnumerateArray().Skip(1).Sum(l => l.GetProperty("size").GetInt64());
        // Plus the SBOM and provenance beside it (their content blobs and the shared empty config "{}").
        foreach (var artifact in new[] { record.Attestations!.Sbom, record.Attestations.Provenance })
            expected += JsonDocument.Parse(await Tools.RunOkAsync("skopeo", "inspect", "--raw", "--tls-verify=false", $"docker://{registry.Host}/modelzoo@{artifact}")).RootElement
                .GetProperty("layers")[0].GetProperty("size").GetInt64();
        expected += 2;
        Assert.Equal(expected, proxy.UploadedBlobBytes);
        Assert.Contains(proxy.Log, l => l.StartsWith("POST /v2/modelzoo/blobs/uploads/?mount=", StringComparison.Ordinal));
        Assert.Contains("mounted base layer", run.All, StringComparison.Ordinal);
        Assert.DoesNotContain("copied base layer", run.All, StringComparison.Ordinal);

        // A re-run with the record gone (a fresh CI job) still finds every blob: zero blob bytes uploaded, same digest.
        File.Delete(Path.Combine(world.ArtifactsDir, "demo", "runs", key, "package.json"));
        var uploadedBefore = proxy.UploadedBlobBytes;
        var again = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Equal(uploadedBefore, proxy.UploadedBlobBytes);
        Assert.Equal(record.Digest, ValidatedModel.ReadRecord(world, "demo", key).Digest);
    }

    [RegistryFact]
    public async Task Each_layer_goes_up_in_one_PATCH_and_attachments_read_a_manifest_with_one_GET()
    {
        await using var registry = await LocalRegistry.StartAsync();
        await using var proxy = await FaultProxy.StartAsync(registry.Host);
        using var world = new TestWorld();
        ValidatedModel.Configure(world, RegistryCar(proxy.Host));
        var key = ValidatedModel.Seed(world, "demo", Files());

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));

        Assert.True(run.ExitCode == 0, run.All);
        var record = ValidatedModel.ReadRecord(world, "demo", key);
        var raw = JsonDocument.Parse(await Tools.RunOkAsync("skopeo", "inspect", "--raw", "--tls-verify=false",
            $"docker://{registry.Host}/modelzoo@{record.Digest}")).RootElement;
        // POST, one streamed PATCH (no chunking into many requests), PUT ?digest= per layer; small blobs are PUT whole.
        var patches = proxy.Log.Count(l => l.StartsWith("PATCH /v2/modelzoo/blobs/uploads/", StringComparison.Ordinal));
        Assert.Equal(raw.GetProperty("layers").GetArrayLength(), patches);
        // A manifest that may be absent (the referrers tag, the image an SBOM attaches to) is one GET, not HEAD + GET.
        var pairs = proxy.Log.Zip(proxy.Log.Skip(1));
        Assert.DoesNotContain(pairs, p => p.First.StartsWith("HEAD /v2/modelzoo/manifests/", StringComparison.Ordinal)
            && p.Second == "GET" + p.First["HEAD".Length..]);
        Assert.Contains(proxy.Log, l => l.StartsWith("GET /v2/modelzoo/manifests/sha256-", StringComparison.Ordinal));
    }

    private const string PatchUpload = "PATCH /v2/modelzoo/blobs/uploads/";
    private const string DeleteUpload = "DELETE /v2/modelzoo/blobs/uploads/";
    private const string PutManifest = "PUT /v2/modelzoo/manifests/";

    private static int Count(FaultProxy proxy, string prefix) =>
        proxy.Log.Count(l => l.StartsWith(prefix, StringComparison.Ordinal));

    [RegistryFact]
    public async Task A_file_changed_since_validation_abandons_its_upload_and_pushes_no_manifest()
    {
        await using var registry = await LocalRegistry.StartAsync();
        await using var proxy = await FaultProxy.StartAsync(registry.Host);
        using var world = new TestWorld();
        ValidatedModel.Configure(world, RegistryCar(proxy.Host), new { retries = 3 });
        var key = ValidatedModel.Seed(world, "demo", Files());
        // Same size, other bytes: only the sha256 streamed with the upload can tell.
        ValidatedModel.FlipByte(world, "demo", key, "weights.bin", last: true);

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("weights.bin changed since it was validated", run.All, StringComparison.Ordinal);
        Assert.Contains("Fix: re-run Validate", run.All, StringComparison.Ordinal);
        Assert.DoesNotContain("retry", run.All, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(world.ArtifactsDir, "demo", "runs", key, "package.json")));
        // The weights layer's upload session was cancelled (DELETE, OCI distribution spec), not retried and not
        // committed; the small files' layer before it went up whole. No manifest was pushed.
        var deletes = proxy.Log.Where(l => l.StartsWith(DeleteUpload, StringComparison.Ordinal)).ToList();
        var session = Assert.Single(deletes)["DELETE ".Length..].Split('?')[0];
        Assert.Contains(proxy.Log, l => l.StartsWith("PATCH " + session, StringComparison.Ordinal));
        Assert.DoesNotContain(proxy.Log, l => l.StartsWith("PUT " + session, StringComparison.Ordinal));
        Assert.Equal(2, Count(proxy, PatchUpload));
        Assert.DoesNotContain(proxy.Log, l => l.StartsWith(PutManifest, StringComparison.Ordinal));
        using var http = new HttpClient();
        var tags = await http.GetAsync(new Uri($"http://{registry.Host}/v2/modelzoo/tags/list"));
        Assert.DoesNotContain("demo-", await tags.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [RegistryFact]
    public async Task A_layer_the_cache_knows_goes_to_another_registry_unchanged_and_a_changed_file_is_still_refused()
    {
        await using var first = await LocalRegistry.StartAsync();
        await using var second = await LocalRegistry.StartAsync();
        await using var proxy = await FaultProxy.StartAsync(second.Host);
        using var world = new TestWorld();
        var (key, digest) = await PackagedAsync(world, first.Host);

        // The layer cache knows both layers' digests: each goes up unhashed in one PUT ?digest=, which the registry
        // checks, and the image is the same.
        await PackagedAgainAsync(world, proxy.Host, second.Host, key, digest);
        Assert.Equal(0, Count(proxy, PatchUpload));
        Assert.DoesNotContain(proxy.Log, l => l.StartsWith("DELETE ", StringComparison.Ordinal));

        // Same size, other bytes, to a third registry: the registry refuses the weights layer's cached digest, so
        // that upload is cancelled and the layer is sent again with every file checked, which names the file.
        await using var third = await LocalRegistry.StartAsync();
        await using var thirdProxy = await FaultProxy.StartAsync(third.Host);
        ValidatedModel.Configure(world, RegistryCar(thirdProxy.Host));
        ValidatedModel.FlipByte(world, "demo", key, "weights.bin");
        var changed = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));
        Assert.Equal(1, changed.ExitCode);
        Assert.Contains("weights.bin changed since it was validated", changed.All, StringComparison.Ordinal);
        Assert.Equal(2, Count(thirdProxy, DeleteUpload));
        Assert.Equal(1, Count(thirdProxy, PatchUpload));
        Assert.DoesNotContain(thirdProxy.Log, l => l.StartsWith(PutManifest, StringComparison.Ordinal));
    }

    [RegistryFact]
    public async Task A_wrong_layer_cache_entry_costs_a_second_upload_not_a_wrong_image()
    {
        await using var first = await LocalRegistry.StartAsync();
        await using var second = await LocalRegistry.StartAsync();
        await using var proxy = await FaultProxy.StartAsync(second.Host);
        using var world = new TestWorld();
        var (key, digest) = await PackagedAsync(world, first.Host);
        var entries = Directory.GetFiles(Path.Combine(world.Root, ".pipeline", "cache", "oci-layers"), "*.json");
        Assert.Equal(2, entries.Length);
        foreach (var entry in entries)
        {
            var json = File.ReadAllText(entry);
            var cached = JsonDocument.Parse(json).RootElement.GetProperty("descriptor").GetProperty("digest")
                .GetString()!;
            File.WriteAllText(entry, json.Replace(cached, "sha256:" + new string('0', 64), StringComparison.Ordinal));
        }

        await PackagedAgainAsync(world, proxy.Host, second.Host, key, digest);
        // Each layer: one PUT ?digest= the registry refused (DIGEST_INVALID), its session cancelled, then one PATCH.
        Assert.Equal(2, Count(proxy, DeleteUpload));
        Assert.Equal(2, Count(proxy, PatchUpload));
    }

    [RegistryFact]
    public async Task A_later_tag_points_at_the_same_manifest_without_uploading_a_blob()
    {
        await using var registry = await LocalRegistry.StartAsync();
        await using var proxy = await FaultProxy.StartAsync(registry.Host);
        using var world = new TestWorld();
        ValidatedModel.Configure(world, RegistryCar(proxy.Host));
        var key = ValidatedModel.Seed(world, "demo", Files());
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world))).ExitCode);
        var record = ValidatedModel.ReadRecord(world, "demo", key);
        var uploaded = proxy.UploadedBlobBytes;

        var config = ConfigLoader.Load(world.Root, environment: new Dictionary<string, string>());
        using var registries = new RegistryConnector(config.Registry, NullReporter.Instance, new Dictionary<string, string>());
        // What PushMirrors does once it has allocated v3 (PublishedImage, from the zoo record's image).
        await new PublishedImage(config, registries).SetTagAsync(new ModelPipeline.Zoo.ZooImage { Repository = record.Repository, Tag = record.Tag, Digest = record.Digest, Reference = record.Reference, StorageUri = record.StorageUri, Destination = record.Destination }, "demo-v3", CancellationToken.None);

        Assert.Equal(uploaded, proxy.UploadedBlobBytes);
        Assert.Equal(record.Digest, (await SkopeoInspectAsync($"{registry.Host}/modelzoo:demo-v3")).GetProperty("Digest").GetString());
    }

    [RegistryFact]
    public async Task Basic_auth_credentials_from_the_environment_push_and_wrong_ones_fail_clearly_without_leaking()
    {
        await using var registry = await LocalRegistry.StartAsync("pusher", "s3cret-pass-1");
        using var world = new TestWorld();
        ValidatedModel.Configure(world, RegistryCar(registry.Host));
        var key = ValidatedModel.Seed(world, "demo", Files());
        var before = world.Files();

        var wrong = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"],
            ValidatedModel.Env(world, ("MODELPIPE_REGISTRY_USERNAME", "pusher"), ("MODELPIPE_REGISTRY_PASSWORD", "wrong-pass-99")));
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("authentication failed", wrong.All, StringComparison.Ordinal);
        Assert.Contains("answered 401 UNAUTHORIZED", wrong.All, StringComparison.Ordinal);
        Assert.DoesNotContain("401 401", wrong.All, StringComparison.Ordinal);
        Assert.Contains("MODELPIPE_REGISTRY_USERNAME", wrong.All, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-pass-99", wrong.All, StringComparison.Ordinal);
        Assert.DoesNotContain("package.json", string.Join("\n", world.Files().Except(before)), StringComparison.Ordinal);

        var right = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"],
            ValidatedModel.Env(world, ("MODELPIPE_REGISTRY_USERNAME", "pusher"), ("MODELPIPE_REGISTRY_PASSWORD", "s3cret-pass-1")));
        Assert.True(right.ExitCode == 0, right.All);
        Assert.DoesNotContain("s3cret-pass-1", right.All, StringComparison.Ordinal);
        var record = ValidatedModel.ReadRecord(world, "demo", key);
        Assert.DoesNotContain("s3cret", File.ReadAllText(Path.Combine(world.ArtifactsDir, "demo", "runs", key, "package.json")), StringComparison.Ordinal);
        Assert.Equal(record.Digest, (await SkopeoInspectAsync($"{registry.Host}/modelzoo:{record.Tag}", "--creds", "pusher:s3cret-pass-1")).GetProperty("Digest").GetString());
    }

    [RegistryFact]
    public async Task Credentials_come_from_docker_config_auths_and_an_anonymous_push_is_refused()
    {
        await using var registry = await LocalRegistry.StartAsync("pusher", "from-docker-config");
        using var world = new TestWorld();
        ValidatedModel.Configure(world, RegistryCar(registry.Host));
        ValidatedModel.Seed(world, "demo", Files());

        var anonymous = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));
        Assert.Equal(1, anonymous.ExitCode);
        Assert.Contains("authentication failed", anonymous.All, StringComparison.Ordinal);

        Directory.CreateDirectory(Path.Combine(world.Root, ".docker"));
        var auth = Convert.ToBase64String("pusher:from-docker-config"u8.ToArray());
        File.WriteAllText(Path.Combine(world.Root, ".docker", "config.json"), "{\"auths\":{\"http://" + registry.Host + "\":{\"auth\":\"" + auth + "\"}}}");
        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));
        Assert.True(run.ExitCode == 0, run.All);
        Assert.DoesNotContain("from-docker-config", run.All, StringComparison.Ordinal);
    }
}
