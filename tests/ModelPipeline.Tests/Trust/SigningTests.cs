using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Trust;

/// <summary>Cosign-format signatures in Debian's docker-registry, checked by modelpipe verify and independently (skopeo + openssl).</summary>
public sealed class SigningTests
{
    private static object Registry(LocalRegistry registry) => new { destination = "registry", repository = $"{registry.Host}/modelzoo", baseImage = "scratch" };

    [OpensslFact(registry: true)]
    public async Task A_signed_push_verifies_with_openssl_and_modelpipe_and_a_wrong_key_is_rejected_by_both()
    {
        await using var registry = await LocalRegistry.StartAsync();
        using var world = new TestWorld();
        var signer = TrustKit.NewKey(world, "signer");
        var other = TrustKit.NewKey(world, "other");
        var digest = await TrustKit.PublishAsync(world, Registry(registry), signer, ValidatedModel.SmallFiles());
        var repository = $"{registry.Host}/modelzoo";

        var payload = await TrustKit.OpensslVerifiedPayloadAsync(repository, digest, signer.PublicPath);
        Assert.NotNull(payload);
        Assert.Equal(digest, payload["critical"]!["image"]!["docker-manifest-digest"]!.GetValue<string>());
        Assert.Equal(repository, payload["critical"]!["identity"]!["docker-reference"]!.GetValue<string>());
        Assert.Equal("cosign container image signature", payload["critical"]!["type"]!.GetValue<string>());
        Assert.Null(await TrustKit.OpensslVerifiedPayloadAsync(repository, digest, other.PublicPath));

        var verified = await Modelpipe.RunAsync(world.Root, ["verify", "demo@v1", "--key", signer.PublicPath, "--json"], TrustKit.Env(world, null));
        Assert.True(verified.ExitCode == 0, verified.All);
        Assert.Equal(digest, JsonDocument.Parse(verified.StdOut).RootElement.GetProperty("results")[0].GetProperty("data").GetProperty("digest").GetString());

        var wrong = await Modelpipe.RunAsync(world.Root, ["verify", "demo@v1", "--key", other.PublicPath], TrustKit.Env(world, null));
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("signature: the signature does not verify with the public key", wrong.All, StringComparison.Ordinal);
        Assert.Contains("provenance: ", wrong.All, StringComparison.Ordinal);
        Assert.DoesNotContain(TrustKit.Body(signer.PrivatePem), string.Join("", world.Files().Select(f => File.ReadAllText(Path.Combine(world.Root, f)))), StringComparison.Ordinal);
    }

    [OpensslFact(registry: true)]
    public async Task A_tampered_signature_is_rejected_by_openssl_verify_and_pull_which_leaves_the_folder_untouched()
    {
        await using var registry = await LocalRegistry.StartAsync();
        using var world = new TestWorld();
        var signer = TrustKit.NewKey(world, "signer");
        var digest = await TrustKit.PublishAsync(world, Registry(registry), signer, ValidatedModel.SmallFiles());
        await TrustKit.TamperSignatureAsync(registry.Host, "modelzoo", digest, signer);

        Assert.Null(await TrustKit.OpensslVerifiedPayloadAsync($"{registry.Host}/modelzoo", digest, signer.PublicPath));
        var verify = await Modelpipe.RunAsync(world.Root, ["verify", "demo@v1", "--key", signer.PublicPath], TrustKit.Env(world, null));
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("signature: the signature does not verify with the public key", verify.All, StringComparison.Ordinal);

        world.SetVerifyKey(signer.PublicPath);
        var target = Path.Combine(world.Root, "pulled");
        var pull = await Modelpipe.RunAsync(world.Root, ["pull", "demo@v1", "--to", target], TrustKit.Env(world, null));
        Assert.Equal(1, pull.ExitCode);
        Assert.Contains("failed verification", pull.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [OpensslFact(registry: true)]
    public async Task An_unsigned_image_fails_verify_and_a_verifying_pull_while_a_signed_one_is_pulled()
    {
        await using var registry = await LocalRegistry.StartAsync();
        using var world = new TestWorld();
        var signer = TrustKit.NewKey(world, "signer");
        await TrustKit.PublishAsync(world, Registry(registry), null, ValidatedModel.SmallFiles());

        var verify = await Modelpipe.RunAsync(world.Root, ["verify", "demo@v1", "--key", signer.PublicPath], TrustKit.Env(world, null));
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("signature: no signature", verify.All, StringComparison.Ordinal);
        Assert.Contains("provenance: ", verify.All, StringComparison.Ordinal);
        Assert.Contains("the DSSE envelope is not signed", verify.All, StringComparison.Ordinal);

        world.SetVerifyKey(signer.PublicPath);
        var refused = await Modelpipe.RunAsync(world.Root, ["pull", "demo@v1", "--to", Path.Combine(world.Root, "refused")], TrustKit.Env(world, null));
        Assert.Equal(1, refused.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(world.Root, "refused")));

        // Signing later (same image, key now set): a re-run of PushMirrors signs v1 and attaches what was missing.
        var resigned = await Modelpipe.RunAsync(world.Root, ["push", "--model", "demo"], TrustKit.Env(world, signer));
        Assert.True(resigned.ExitCode == 0, resigned.All);
        var pulled = await Modelpipe.RunAsync(world.Root, ["pull", "demo@v1", "--to", Path.Combine(world.Root, "pulled")], TrustKit.Env(world, null));
        Assert.True(pulled.ExitCode == 0, pulled.All);
        Assert.Contains("signature, SBOM and provenance verified", pulled.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_without_a_public_key_is_a_usage_error_naming_the_setting()
    {
        using var world = new TestWorld();
        await TrustKit.PublishAsync(world, new { destination = "oci-layout" }, null, ValidatedModel.SmallFiles());

        var run = await Modelpipe.RunAsync(world.Root, ["verify", "demo@v1"], TrustKit.Env(world, null));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("pass --key FILE", run.All, StringComparison.Ordinal);
        Assert.Contains("$.verify.publicKey", run.All, StringComparison.Ordinal);
    }
}

internal static class VerifyConfig
{
    public static void SetVerifyKey(this TestWorld world, string publicKeyPath)
    {
        var path = Path.Combine(world.Root, "pipeline.json");
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        root["verify"] = new System.Text.Json.Nodes.JsonObject { ["publicKey"] = publicKeyPath };
        File.WriteAllText(path, root.ToJsonString());
    }
}

/// <summary>UpdateGitOps with <c>signing.required</c>: unsigned images are not pinned.</summary>
public sealed class SigningRequiredTests
{
    private static object Embedded() => new
    {
        destination = "oci-layout",
        baseImage = "busybox-static",
        busybox = new { path = "/bin/busybox", sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes("/bin/busybox"))) },
    };

    [ModelPipeline.Tests.Packaging.BusyboxFact]
    public async Task With_signing_required_update_gitops_pins_a_signed_image_and_refuses_an_unsigned_one()
    {
        using var signedWorld = new TestWorld();
        var signer = TrustKit.NewKey(signedWorld, "signer");
        await TrustKit.PublishAsync(signedWorld, Embedded(), signer, ValidatedModel.SmallFiles());
        using var unsignedWorld = new TestWorld();
        await TrustKit.PublishAsync(unsignedWorld, Embedded(), null, ValidatedModel.SmallFiles());
        foreach (var world in new[] { signedWorld, unsignedWorld }) world.SetRequired();

        var signed = await Modelpipe.RunAsync(signedWorld.Root, ["gitops", "--model", "demo"], TrustKit.Env(signedWorld, null));
        var unsigned = await Modelpipe.RunAsync(unsignedWorld.Root, ["gitops", "--model", "demo"], TrustKit.Env(unsignedWorld, null));

        Assert.True(signed.ExitCode == 0, signed.All);
        Assert.Equal(1, unsigned.ExitCode);
        Assert.Contains("is not signed and signing.required is true", unsigned.All, StringComparison.Ordinal);
        Assert.Contains("$MODELPIPE_SIGNING_KEY", unsigned.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(unsignedWorld.Root, ".pipeline", "gitops.git")));
    }
}

internal static class RequiredConfig
{
    public static void SetRequired(this TestWorld world)
    {
        var path = Path.Combine(world.Root, "pipeline.json");
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        root["signing"] = new System.Text.Json.Nodes.JsonObject { ["required"] = true };
        File.WriteAllText(path, root.ToJsonString());
    }
}
