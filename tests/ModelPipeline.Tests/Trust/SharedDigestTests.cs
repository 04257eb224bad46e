using System.Text.Json.Nodes;
using ModelPipeline.Configuration;
using ModelPipeline.Oci;
using ModelPipeline.Progress;
using ModelPipeline.Tests.Support;
using ModelPipeline.Trust;

namespace ModelPipeline.Tests.Trust;

/// <summary>
/// Two versions with one image digest share one <c>sha256-&lt;hex&gt;.sig</c> tag: each version's signature
/// is a layer of it (cosign appends), so every version verifies. Here two zoos publish into one registry
/// repository (Debian's docker-registry) or one OCI layout: demo v1 in zoo A and v2 in zoo B are the same image.
/// Checked by modelpipe verify and pull, and independently by skopeo and openssl.
/// </summary>
public sealed class SharedDigestTests
{
    [OpensslFact(registry: true)]
    public async Task In_a_registry_signing_v2_of_the_same_digest_keeps_v1_verifying()
    {
        await using var registry = await LocalRegistry.StartAsync();
        using var world = new TestWorld();
        var repository = $"{registry.Host}/modelzoo";
        await AssertBothVersionsVerifyAsync(world, new { destination = "registry", repository, baseImage = "scratch" },
            digest => $"docker://{repository}:sha256-{digest[7..]}.sig");
    }

    [OpensslFact(registry: true)]
    public async Task In_an_oci_layout_signing_v2_of_the_same_digest_keeps_v1_verifying()
    {
        using var world = new TestWorld();
        var layout = Path.Combine(world.Root, ".pipeline", "oci");
        await AssertBothVersionsVerifyAsync(world, new { destination = "oci-layout" },
            digest => $"oci:{layout}:sha256-{digest[7..]}.sig");
    }

    [OpensslFact(registry: true)]
    public async Task A_signature_for_a_version_number_lost_to_a_concurrent_publish_is_dropped_and_the_others_stay()
    {
        using var world = new TestWorld();
        var signer = TrustKit.NewKey(world, "signer");
        var digest = await TrustKit.PublishAsync(world, new { destination = "oci-layout" }, signer,
            ValidatedModel.SmallFiles());
        var config = ConfigLoader.Load(world.Root, environment: new Dictionary<string, string>());
        using var registries = new RegistryConnector(config.Registry, NullReporter.Instance);
        var record = ValidatedModel.ReadRecord(world, "demo", KeyOf(world));
        var store = ArtifactStores.For(config, registries, record.Destination, record.Repository, null);
        var variable = $"MP_TEST_SIGNING_KEY_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, signer.PrivatePem);
        try
        {
            using var key = SigningKey.FromEnvironment(new() { KeyEnv = variable })!;
            var lost = new SignedIdentity("demo", 2, KeyOf(world));
            var won = lost with { Version = 3 };

            // What PushMirrors does when its push of v2 loses to another publisher: it signs again as v3.
            await VersionSigner.SignAsync(store, lost, digest, null, key, CancellationToken.None);
            var retry = await VersionSigner.SignAsync(store, won, digest, null, key,
                CancellationToken.None, replacing: lost);

            Assert.Equal(["image"], retry.Written);
            var layout = Path.Combine(world.Root, ".pipeline", "oci");
            var payloads = await TrustKit.OpensslVerifiedPayloadsAsync($"oci:{layout}:sha256-{digest[7..]}.sig",
                signer.PublicPath);
            Assert.Equal(["1", "3"], payloads.Select(Version));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    private static async Task AssertBothVersionsVerifyAsync(TestWorld world, object modelcar,
        Func<string, string> sigImage)
    {
        var signer = TrustKit.NewKey(world, "signer");
        var zooA = Path.Combine(world.Root, ".pipeline", "zoo.git");
        var digest = await TrustKit.PublishAsync(world, modelcar, signer, ValidatedModel.SmallFiles());
        var tagBefore = await SignatureTagDigestAsync(world, digest);

        // Zoo B, same image store: another training output of demo is its v1, then the same image as above its v2.
        var zooB = await BareRepo.CreateAsync(Path.Combine(world.Root, ".pipeline", "zoo-b.git"));
        UseZoo(world, zooB);
        ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles(2));
        await RunOkAsync(world, signer, "package", "--model", "demo");
        await RunOkAsync(world, signer, "push", "--model", "demo");
        ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());
        await RunOkAsync(world, signer, "package", "--model", "demo");
        var push = await RunOkAsync(world, signer, "push", "--model", "demo");
        Assert.Contains("published v2", push, StringComparison.Ordinal);
        Assert.Contains("as demo v2", push, StringComparison.Ordinal);
        var zooRecord = JsonNode.Parse(File.ReadAllText(Path.Combine(world.ArtifactsDir, "demo", "runs",
            KeyOf(world), "zoo.json")))!;
        Assert.Equal(digest, zooRecord["digest"]!.GetValue<string>());

        // Both signatures are layers of the one .sig image, and openssl verifies each.
        var payloads = await TrustKit.OpensslVerifiedPayloadsAsync(sigImage(digest), signer.PublicPath);
        Assert.Equal(["1", "2"], payloads.Select(Version));
        Assert.All(payloads, p =>
            Assert.Equal(digest, p["critical"]!["image"]!["docker-manifest-digest"]!.GetValue<string>()));
        Assert.NotEqual(tagBefore, await SignatureTagDigestAsync(world, digest));

        var v2 = await Modelpipe.RunAsync(world.Root, ["verify", "demo@v2", "--key", signer.PublicPath],
            TrustKit.Env(world, null));
        var v1 = await Modelpipe.RunAsync(world.Root, ["verify", "demo@v1", "--zoo", zooA, "--key", signer.PublicPath],
            TrustKit.Env(world, null));
        Assert.True(v2.ExitCode == 0, v2.All);
        Assert.True(v1.ExitCode == 0, v1.All);

        // pull (verifying) of zoo A's v1, and a second push of v2 writes nothing.
        UseZoo(world, zooA);
        world.SetVerifyKey(signer.PublicPath);
        var target = Path.Combine(world.Root, "pulled");
        var pull = await Modelpipe.RunAsync(world.Root, ["pull", "demo@v1", "--to", target], TrustKit.Env(world, null));
        Assert.True(pull.ExitCode == 0, pull.All);
        Assert.Equal(ValidatedModel.SmallFiles()["model.onnx"], File.ReadAllBytes(Path.Combine(target, "model.onnx")));
        var tagAfter = await SignatureTagDigestAsync(world, digest);
        UseZoo(world, zooB);
        var again = await RunOkAsync(world, signer, "push", "--model", "demo");
        Assert.Contains("is already signed as demo v2", again, StringComparison.Ordinal);
        Assert.Equal(tagAfter, await SignatureTagDigestAsync(world, digest));
    }

    private static async Task<string> RunOkAsync(TestWorld world, TrustKit.KeyPair signer, params string[] args)
    {
        var run = await Modelpipe.RunAsync(world.Root, args, TrustKit.Env(world, signer));
        Assert.True(run.ExitCode == 0, run.All);
        return run.All;
    }

    /// <summary>The digest the <c>.sig</c> tag points at, read through the store the pipeline uses.</summary>
    private static async Task<string> SignatureTagDigestAsync(TestWorld world, string digest)
    {
        var config = ConfigLoader.Load(world.Root, environment: new Dictionary<string, string>());
        using var registries = new RegistryConnector(config.Registry, NullReporter.Instance);
        var record = ValidatedModel.ReadRecord(world, "demo", KeyOf(world));
        var store = ArtifactStores.For(config, registries, record.Destination, record.Repository, null);
        return (await VersionSigner.SignatureDigestAsync(store, digest, CancellationToken.None))!;
    }

    private static string Version(JsonNode payload) =>
        payload["optional"]!["dev.modelpipeline.version"]!.GetValue<string>();

    private static string KeyOf(TestWorld world) =>
        new ModelPipeline.RunState.RunStateStore(world.ArtifactsDir).CurrentKey("demo")!;

    private static void UseZoo(TestWorld world, string url)
    {
        var path = Path.Combine(world.Root, "pipeline.json");
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        root["zoo"] = new JsonObject { ["url"] = url, ["mirrors"] = new JsonArray() };
        File.WriteAllText(path, root.ToJsonString());
    }
}
