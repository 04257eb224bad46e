using System.Text.Json;
using ModelPipeline.Tests.Retention;
using ModelPipeline.Tests.Support;
using ModelPipeline.Tests.Trust;

namespace ModelPipeline.Tests.GitOps;

/// <summary>environments.prod.registry: Promote copies the image with its attachments to a second
/// docker-registry.</summary>
public sealed class ProdRegistryTests
{
    [OpensslFact(registry: true)]
    public async Task A_promotion_copies_the_signed_image_by_digest_to_the_prod_registry_and_the_prod_pin_names_the_copy()
    {
        await using var published = await LocalRegistry.StartAsync();
        await using var prod = await LocalRegistry.StartAsync();
        var sha256 = Convert.ToHexStringLower(
            System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes("/bin/busybox")));
        using var gc = new GcWorld(new
        {
            destination = "registry", repository = $"{published.Host}/modelzoo", baseImage = "busybox-static",
            busybox = new { path = "/bin/busybox", sha256 },
        });
        await gc.PublishAsync(2);
        var digest = gc.Digests[2];
        var copy = $"{prod.Host}/modelzoo";
        var env = gc.Env(ci: false);
        var gitops = await Modelpipe.RunAsync(gc.World.Root, ["gitops", "--model", "demo"], env);
        Assert.True(gitops.ExitCode == 0, gitops.All);
        var absent = await Modelpipe.RunAsync(gc.World.Root,
            ["verify", "demo@v2", "--key", gc.Key.PublicPath, "--repository", copy], env);
        Assert.Equal(1, absent.ExitCode);

        gc.World.SetSection("environments", JsonSerializer.Serialize(new { prod = new { registry = prod.Host } }));
        var promote = await Modelpipe.RunAsync(gc.World.Root, ["promote", "--model", "demo", "--version", "2"], env);
        Assert.True(promote.ExitCode == 0, promote.All);
        Assert.Contains($"copied v2 {digest[..19]} with its attachments to {copy}", promote.All,
            StringComparison.Ordinal);
        var pin = await BareRepo.GitAsync(gc.World.GitOpsRepo(), "show", "promote/demo-v2:prod/demo/config.yaml");
        Assert.Contains($"image_repository: {copy}", pin, StringComparison.Ordinal);
        Assert.Contains($"image_digest: {digest}", pin, StringComparison.Ordinal);
        Assert.Contains($"storage_uri: oci://{copy}@{digest}", pin, StringComparison.Ordinal);
        var test = await BareRepo.GitAsync(gc.World.GitOpsRepo(), "show", "main:test/demo/config.yaml");
        Assert.Contains($"image_repository: {published.Host}/modelzoo", test, StringComparison.Ordinal);

        // The copy in the second registry: same digest (skopeo), tagged demo-v2, signature verified by openssl and
        // by modelpipe.
        var inspected = await Tools.RunOkAsync("skopeo", "inspect", "--tls-verify=false", $"docker://{copy}:demo-v2");
        Assert.Equal(digest, JsonDocument.Parse(inspected).RootElement.GetProperty("Digest").GetString());
        var payload = await TrustKit.OpensslVerifiedPayloadAsync(copy, digest, gc.Key.PublicPath);
        Assert.NotNull(payload);
        Assert.Equal(digest, payload["critical"]!["image"]!["docker-manifest-digest"]!.GetValue<string>());
        var merge = await Modelpipe.RunAsync(gc.World.Root, ["pr", "merge", "demo"], env);
        Assert.True(merge.ExitCode == 0, merge.All);
        var verify = await Modelpipe.RunAsync(gc.World.Root,
            ["verify", "demo@prod", "--key", gc.Key.PublicPath, "--repository", copy], env);
        Assert.True(verify.ExitCode == 0, verify.All);
        Assert.Contains($"verified in the registry repository {copy}", verify.All, StringComparison.Ordinal);

        // Promoting again copies nothing: every blob is already in the prod registry.
        var again = await Modelpipe.RunAsync(gc.World.Root, ["promote", "--model", "demo", "--version", "2"], env);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("(0 bytes copied", again.All, StringComparison.Ordinal);
        var audit = await Modelpipe.RunAsync(gc.World.Root, ["models", "verify"], env);
        Assert.True(audit.ExitCode == 0, audit.All);
    }
}
