using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ModelPipeline.Oci;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Trust;

/// <summary>SBOM (CycloneDX 1.6, validated against the official schema) and SLSA provenance (DSSE), found from the image digest alone.</summary>
public sealed class AttestationTests
{
    private static readonly Lazy<NJsonSchema.JsonSchema> CycloneDx = new(() =>
        NJsonSchema.JsonSchema.FromFileAsync(Path.Combine(TestWorld.RepoRoot(), "tests", "ModelPipeline.Tests", "Schemas", "cyclonedx-1.6", "bom-1.6.schema.json")).GetAwaiter().GetResult());

    [OpensslFact(registry: true)]
    public async Task In_the_registry_the_sbom_and_provenance_are_found_through_the_referrers_tag_of_the_digest_and_are_valid()
    {
        await using var registry = await LocalRegistry.StartAsync();
        using var world = new TestWorld();
        var signer = TrustKit.NewKey(world, "signer");
        var files = ValidatedModel.SmallFiles(3);
        var digest = await TrustKit.PublishAsync(world, new { destination = "registry", repository = $"{registry.Host}/modelzoo", baseImage = "scratch" }, signer, files);

        // Only the digest: skopeo reads the referrers tag (the registry has no referrers API), then each artifact.
        var repo = $"docker://{registry.Host}/modelzoo";
        var index = JsonNode.Parse(await Tools.RunOkAsync("skopeo", "inspect", "--raw", "--tls-verify=false", $"{repo}:sha256-{digest[7..]}"))!;
        var referrers = index["manifests"]!.AsArray().ToDictionary(m => m!["artifactType"]!.GetValue<string>(), m => m!["digest"]!.GetValue<string>());
        Assert.Equal(["application/vnd.cyclonedx+json", "application/vnd.in-toto+json"], referrers.Keys.Order());
        var blobs = Path.Combine(world.Root, "copied");
        await Tools.RunOkAsync("skopeo", "copy", "--quiet", "--src-tls-verify=false", $"{repo}@{referrers["application/vnd.cyclonedx+json"]}", $"oci:{blobs}:sbom");
        await Tools.RunOkAsync("skopeo", "copy", "--quiet", "--src-tls-verify=false", $"{repo}@{referrers["application/vnd.in-toto+json"]}", $"oci:{blobs}:provenance");
        var layout = new OciLayout(blobs);

        var sbom = Content(layout, "sbom", digest);
        AssertValidSbom(sbom, digest, files);
        AssertSignedProvenance(Content(layout, "provenance", digest), digest, signer);
    }

    [OpensslFact]
    public async Task The_embedded_default_writes_signature_sbom_and_provenance_into_the_oci_layout_and_verify_accepts_them()
    {
        using var world = new TestWorld();
        var signer = TrustKit.NewKey(world, "signer");
        var files = ValidatedModel.SmallFiles(4);
        var digest = await TrustKit.PublishAsync(world, new { destination = "oci-layout" }, signer, files);
        var layout = new OciLayout(Path.Combine(world.Root, ".pipeline", "oci"));

        Assert.NotNull(layout.Resolve($"sha256-{digest[7..]}.sig"));
        var index = JsonNode.Parse(File.ReadAllBytes(layout.BlobPath(layout.Resolve($"sha256-{digest[7..]}")!.Digest)))!;
        Assert.Equal(2, index["manifests"]!.AsArray().Count);
        var referrers = index["manifests"]!.AsArray().ToDictionary(m => m!["artifactType"]!.GetValue<string>(), m => m!["digest"]!.GetValue<string>());
        AssertValidSbom(Artifact(layout, referrers["application/vnd.cyclonedx+json"], digest), digest, files);
        AssertSignedProvenance(Artifact(layout, referrers["application/vnd.in-toto+json"], digest), digest, signer);
        var manifest = JsonNode.Parse(File.ReadAllText(FindZooManifest(world)))!;
        Assert.Equal(referrers["application/vnd.cyclonedx+json"], manifest["image"]!["sbom"]!.GetValue<string>());
        Assert.Equal(referrers["application/vnd.in-toto+json"], manifest["image"]!["provenance"]!.GetValue<string>());
        Assert.StartsWith("sha256:", manifest["image"]!["signature"]!.GetValue<string>(), StringComparison.Ordinal);

        var verify = await Modelpipe.RunAsync(world.Root, ["verify", "demo@v1", "--key", signer.PublicPath], TrustKit.Env(world, null));
        Assert.True(verify.ExitCode == 0, verify.All);
        Assert.Contains($"{digest}: verified", verify.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_encrypted_key_without_its_passphrase_fails_naming_the_variable_and_writes_nothing()
    {
        using var world = new TestWorld();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var encrypted = key.ExportEncryptedPkcs8PrivateKeyPem("s3cret-pass", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10000));
        ValidatedModel.Configure(world, new { destination = "oci-layout" });
        ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());
        var before = world.Files();

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world, ("MODELPIPE_SIGNING_KEY", encrypted)));
        var wrong = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world, ("MODELPIPE_SIGNING_KEY", encrypted), ("MODELPIPE_SIGNING_PASSWORD", "wrong-pass")));
        var ok = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world, ("MODELPIPE_SIGNING_KEY", encrypted), ("MODELPIPE_SIGNING_PASSWORD", "s3cret-pass")));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("is encrypted and $MODELPIPE_SIGNING_PASSWORD is not set", run.All, StringComparison.Ordinal);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("wrong passphrase", wrong.All, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-pass", wrong.All, StringComparison.Ordinal);
        Assert.True(ok.ExitCode == 0, ok.All);
        Assert.Contains("attached signed SBOM sha256:", ok.All, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pass", ok.All, StringComparison.Ordinal);
        Assert.NotEqual(before, world.Files());
    }

    private static string FindZooManifest(TestWorld world) =>
        Directory.EnumerateFiles(Path.Combine(world.Root, ".pipeline", "zoo-clones"), "manifest.json", SearchOption.AllDirectories)
            .First(f => f.EndsWith(Path.Combine("demo", "v1", "manifest.json"), StringComparison.Ordinal));

    private static byte[] Content(OciLayout layout, string tag, string subject) => Artifact(layout, layout.Resolve(tag)!.Digest, subject);

    private static byte[] Artifact(OciLayout layout, string manifestDigest, string subject)
    {
        var manifest = JsonNode.Parse(File.ReadAllBytes(layout.BlobPath(manifestDigest)))!;
        Assert.Equal(subject, manifest["subject"]!["digest"]!.GetValue<string>());
        return File.ReadAllBytes(layout.BlobPath(manifest["layers"]![0]!["digest"]!.GetValue<string>()));
    }

    private static void AssertValidSbom(byte[] sbom, string digest, Dictionary<string, byte[]> files)
    {
        var errors = CycloneDx.Value.Validate(Encoding.UTF8.GetString(sbom));
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"{e.Path}: {e.Kind}")));
        var bom = JsonNode.Parse(sbom)!;
        Assert.Equal("1.6", bom["specVersion"]!.GetValue<string>());
        Assert.Equal(digest, bom["metadata"]!["component"]!["version"]!.GetValue<string>());
        var components = bom["components"]!.AsArray();
        var model = components.Single(c => c!["type"]!.GetValue<string>() == "machine-learning-model")!;
        Assert.NotNull(model["modelCard"]);
        foreach (var (name, data) in files)
        {
            var file = components.Single(c => c!["bom-ref"]!.GetValue<string>() == "file:" + name)!;
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), file["hashes"]![0]!["content"]!.GetValue<string>());
        }
        Assert.Contains(components, c => c!["type"]!.GetValue<string>() == "data");
        Assert.Contains(components, c => c!["bom-ref"]!.GetValue<string>().StartsWith("source:", StringComparison.Ordinal));
    }

    /// <summary>The DSSE signature checked with openssl over the PAE; the payload parsed as an in-toto SLSA v1 statement.</summary>
    private static void AssertSignedProvenance(byte[] envelopeBytes, string digest, TrustKit.KeyPair signer)
    {
        var envelope = JsonNode.Parse(envelopeBytes)!;
        Assert.Equal("application/vnd.in-toto+json", envelope["payloadType"]!.GetValue<string>());
        var payload = Convert.FromBase64String(envelope["payload"]!.GetValue<string>());
        var type = "application/vnd.in-toto+json";
        byte[] pae = [.. Encoding.UTF8.GetBytes($"DSSEv1 {type.Length} {type} {payload.Length} "), .. payload];
        var dir = Path.Combine(Path.GetTempPath(), "mp-dsse", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "pae"), pae);
        File.WriteAllBytes(Path.Combine(dir, "sig"), Convert.FromBase64String(envelope["signatures"]![0]!["sig"]!.GetValue<string>()));
        var (exit, output) = Tools.Run("openssl", "dgst", "-sha256", "-verify", signer.PublicPath, "-signature", Path.Combine(dir, "sig"), Path.Combine(dir, "pae"));
        Directory.Delete(dir, recursive: true);
        Assert.True(exit == 0, output);

        var statement = JsonNode.Parse(payload)!;
        Assert.Equal("https://in-toto.io/Statement/v1", statement["_type"]!.GetValue<string>());
        Assert.Equal("https://slsa.dev/provenance/v1", statement["predicateType"]!.GetValue<string>());
        Assert.Equal(digest[7..], statement["subject"]![0]!["digest"]!["sha256"]!.GetValue<string>());
        var predicate = statement["predicate"]!;
        Assert.Equal("run-1", predicate["runDetails"]!["metadata"]!["invocationId"]!.GetValue<string>());
        Assert.Equal("local", predicate["buildDefinition"]!["internalParameters"]!["trainingBackend"]!.GetValue<string>());
        Assert.NotNull(predicate["runDetails"]!["builder"]!["id"]);
        Assert.Contains(predicate["buildDefinition"]!["resolvedDependencies"]!.AsArray(), d => d!["name"]!.GetValue<string>().StartsWith("trainer:", StringComparison.Ordinal));
    }
}
