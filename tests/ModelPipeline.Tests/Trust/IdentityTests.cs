using System.Net.Http.Headers;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Trust;

/// <summary>
/// A signature names the model, version and training key; verify, pull and Promote check them and
/// fail closed (Debian's docker-registry, real git, ECDSA keys; openssl reads the claims independently).
/// </summary>
public sealed class IdentityTests
{
    private static async Task<object> RegistryWithShell(LocalRegistry registry) =>
        new { destination = "registry", repository = $"{registry.Host}/modelzoo", baseImage = await BusyboxBase.PushAsync(registry) };

    [OpensslFact(registry: true)]
    public async Task Another_models_validly_signed_image_behind_a_rewritten_manifest_is_refused_by_verify_and_pull()
    {
        await using var registry = await LocalRegistry.StartAsync();
        using var world = new TestWorld();
        var signer = TrustKit.NewKey(world, "signer");
        var digest = await TrustKit.PublishAsync(world, new { destination = "registry", repository = $"{registry.Host}/modelzoo", baseImage = "scratch" },
            signer, ValidatedModel.SmallFiles());
        var otherKey = ValidatedModel.Seed(world, "other", ValidatedModel.SmallFiles(2));
        foreach (var verb in new[] { "package", "push" })
        {
            var run = await Modelpipe.RunAsync(world.Root, [verb, "--model", "other"], TrustKit.Env(world, signer));
            Assert.True(run.ExitCode == 0, run.All);
        }

        // openssl, independently: the signed payload names the model, the version and the training key.
        var payload = await TrustKit.OpensslVerifiedPayloadAsync($"{registry.Host}/modelzoo", digest, signer.PublicPath);
        Assert.Equal("demo", payload!["optional"]!["dev.modelpipeline.model"]!.GetValue<string>());
        Assert.Equal("1", payload["optional"]!["dev.modelpipeline.version"]!.GetValue<string>());
        Assert.Equal(64, payload["optional"]!["dev.modelpipeline.training-key"]!.GetValue<string>().Length);

        // A writer of the zoo copies other's manifest (a validly signed image) over demo v1's.
        var zoo = Path.Combine(world.Root, ".pipeline", "zoo.git");
        var clone = Path.Combine(world.Root, "attacker");
        await BareRepo.GitAsync(world.Root, "clone", "--quiet", zoo, clone);
        File.Copy(Path.Combine(clone, "models", "other", "v1", "manifest.json"), Path.Combine(clone, "models", "demo", "v1", "manifest.json"), overwrite: true);
        await BareRepo.GitAsync(clone, "-c", "user.name=a", "-c", "user.email=a@a", "commit", "--quiet", "-am", "rewrite");
        await BareRepo.GitAsync(clone, "push", "--quiet", "origin", "HEAD");

        var verify = await Modelpipe.RunAsync(world.Root, ["verify", "demo@v1", "--key", signer.PublicPath], TrustKit.Env(world, null));
        world.SetVerifyKey(signer.PublicPath);
        var target = Path.Combine(world.Root, "pulled");
        var pull = await Modelpipe.RunAsync(world.Root, ["pull", "demo@v1", "--to", target], TrustKit.Env(world, null));

        Assert.Equal(1, verify.ExitCode);
        Assert.Equal(1, pull.ExitCode);
        Assert.False(Directory.Exists(target));
        // The signature check itself, whatever other checks of the zoo say first.
        Assert.Contains($"the signature is for other v1 (training key {otherKey[..12]}), not demo v1", verify.All + pull.All, StringComparison.Ordinal);
        Assert.Contains("Fix: do not use this image", verify.All + pull.All, StringComparison.Ordinal);
    }

    [OpensslFact(registry: true)]
    public async Task Promote_with_a_replaced_foreign_or_deleted_signature_exits_1_and_opens_no_pull_request()
    {
        await using var registry = await LocalRegistry.StartAsync();
        using var world = new TestWorld();
        var signer = TrustKit.NewKey(world, "signer");
        var other = TrustKit.NewKey(world, "other");
        var digest = await TrustKit.PublishAsync(world, await RegistryWithShell(registry), signer, ValidatedModel.SmallFiles());
        var gitops = await Modelpipe.RunAsync(world.Root, ["gitops", "--model", "demo"], TrustKit.Env(world, null));
        Assert.True(gitops.ExitCode == 0, gitops.All);
        world.SetRequired();
        world.SetVerifyKey(signer.PublicPath);
        var promotions = Path.Combine(world.ArtifactsDir, "demo", "promotions");
        var gitopsRepo = Path.Combine(world.Root, ".pipeline", "gitops.git");

        async Task AssertRefusedAsync(string expected)
        {
            var run = await Modelpipe.RunAsync(world.Root, ["promote", "--model", "demo", "--version", "1"], TrustKit.Env(world, null));
            Assert.True(run.ExitCode == 1, run.All);
            Assert.Contains(expected, run.All, StringComparison.Ordinal);
            Assert.False(Directory.Exists(promotions));
            Assert.DoesNotContain("promote/", await BareRepo.GitAsync(gitopsRepo, "branch", "--list"), StringComparison.Ordinal);
        }

        await TrustKit.TamperSignatureAsync(registry.Host, "modelzoo", digest, signer);
        await AssertRefusedAsync("signature: the signature does not verify with the public key");

        var foreign = await Modelpipe.RunAsync(world.Root, ["sign", "demo@v1"], TrustKit.Env(world, other));
        Assert.True(foreign.ExitCode == 0, foreign.All);
        await AssertRefusedAsync("signature: the signature does not verify with the public key");

        await DeleteSignatureAsync(registry.Host, digest);
        await AssertRefusedAsync("signature: no signature");

        // Signed again by the signer: the same Promote goes through.
        var resign = await Modelpipe.RunAsync(world.Root, ["sign", "demo@v1"], TrustKit.Env(world, signer));
        Assert.True(resign.ExitCode == 0, resign.All);
        var promote = await Modelpipe.RunAsync(world.Root, ["promote", "--model", "demo", "--version", "1"], TrustKit.Env(world, null));
        Assert.True(promote.ExitCode == 0, promote.All);
        Assert.Contains("promote/demo-v1", await BareRepo.GitAsync(gitopsRepo, "branch", "--list"), StringComparison.Ordinal);
    }

    [OpensslFact(registry: true)]
    public async Task An_unsigned_v1_is_signed_later_by_modelpipe_sign_and_verify_then_passes()
    {
        await using var registry = await LocalRegistry.StartAsync();
        using var world = new TestWorld();
        var signer = TrustKit.NewKey(world, "signer");
        await TrustKit.PublishAsync(world, new { destination = "registry", repository = $"{registry.Host}/modelzoo", baseImage = "scratch" },
            null, ValidatedModel.SmallFiles());

        var before = await Modelpipe.RunAsync(world.Root, ["verify", "demo@v1", "--key", signer.PublicPath], TrustKit.Env(world, null));
        var noKey = await Modelpipe.RunAsync(world.Root, ["sign", "demo@v1"], TrustKit.Env(world, null));
        var sign = await Modelpipe.RunAsync(world.Root, ["sign", "demo@v1"], TrustKit.Env(world, signer));
        var again = await Modelpipe.RunAsync(world.Root, ["sign", "demo@v1"], TrustKit.Env(world, signer));
        var after = await Modelpipe.RunAsync(world.Root, ["verify", "demo@v1", "--key", signer.PublicPath], TrustKit.Env(world, null));

        Assert.Equal(1, before.ExitCode);
        Assert.Contains("run 'modelpipe sign demo@v1'", before.All, StringComparison.Ordinal);
        Assert.Equal(2, noKey.ExitCode);
        Assert.Contains("$MODELPIPE_SIGNING_KEY is not set", noKey.All, StringComparison.Ordinal);
        Assert.True(sign.ExitCode == 0, sign.All);
        Assert.Contains("signed: image, SBOM, provenance", sign.StdOut, StringComparison.Ordinal);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("(already signed)", again.StdOut, StringComparison.Ordinal);
        Assert.True(after.ExitCode == 0, after.All);
        Assert.DoesNotContain(TrustKit.Body(signer.PrivatePem), sign.All, StringComparison.Ordinal);
    }

    /// <summary>Deletes the <c>sha256-&lt;hex&gt;.sig</c> manifest through the registry API (HEAD for its digest, DELETE by digest).</summary>
    private static async Task DeleteSignatureAsync(string host, string digest)
    {
        using var http = new HttpClient();
        using var head = new HttpRequestMessage(HttpMethod.Head, $"http://{host}/v2/modelzoo/manifests/sha256-{digest[7..]}.sig");
        head.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.oci.image.manifest.v1+json"));
        using var found = await http.SendAsync(head);
        var sig = found.Headers.GetValues("Docker-Content-Digest").Single();
        using var delete = await http.DeleteAsync($"http://{host}/v2/modelzoo/manifests/{sig}");
        Assert.True(delete.IsSuccessStatusCode, $"DELETE {sig}: {delete.StatusCode}");
    }
}
