using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.SameEverywhere;

/// <summary>One version, one digest: publishers racing with one training key on a shared zoo and registry.</summary>
public sealed class RacingPublisherTests
{
    private static readonly Dictionary<string, string?> Env = new() { ["SOURCE_DATE_EPOCH"] = null };

    private static async Task<string> TagDigestAsync(LocalRegistry registry, string tag) =>
        JsonDocument.Parse(await Tools.RunOkAsync("skopeo", "inspect", "--tls-verify=false", $"docker://{registry.Host}/modelzoo:{tag}")).RootElement.GetProperty("Digest").GetString()!;

    [RegistryFact]
    public async Task Racing_publishers_of_one_key_leave_one_version_whose_digest_every_tag_and_pin_agrees_with()
    {
        using var world = new TestWorld();
        await using var registry = await LocalRegistry.StartAsync();
        var clones = new Clones(world);
        var (zoo, gitops) = await clones.CreateRegistrySourceAsync(registry, Clones.RandomTrainer);
        var a = await clones.CloneAsync("a");
        var b = await clones.CloneAsync("b");
        await Task.WhenAll(
            Clones.RunAsync(a, Env, "fetch", "train", "validate", "package"),
            Clones.RunAsync(b, Env, "fetch", "train", "validate", "package"));
        var built = new[] { Clones.Run(a, "package").GetProperty("digest").GetString()!, Clones.Run(b, "package").GetProperty("digest").GetString()! };
        Assert.NotEqual(built[0], built[1]); // random weights: two images for one key

        var pushes = await Task.WhenAll(Modelpipe.RunAsync(a, ["push"], Env), Modelpipe.RunAsync(b, ["push"], Env));

        Assert.All(pushes, p => Assert.True(p.ExitCode == 0, p.All));
        Assert.Equal(["models/demo/v1/manifest.json"], (await BareRepo.FilesAsync(zoo)).Where(f => f.EndsWith("manifest.json", StringComparison.Ordinal)));
        var recorded = JsonDocument.Parse(await BareRepo.ShowAsync(zoo, "models/demo/v1/manifest.json")).RootElement.GetProperty("image");
        var digest = recorded.GetProperty("digest").GetString()!;
        var loser = built[0] == digest ? 1 : 0;
        Assert.Contains(digest, built);
        Assert.Contains("is not published", pushes[loser].All, StringComparison.Ordinal);
        Assert.Equal(digest, Clones.Run(loser == 0 ? a : b, "package").GetProperty("digest").GetString());
        Assert.Equal(digest, await TagDigestAsync(registry, "demo-v1"));
        Assert.Equal(digest, await TagDigestAsync(registry, recorded.GetProperty("tag").GetString()!));

        await Clones.RunAsync(a, Env, "gitops");
        await Clones.RunAsync(b, Env, "gitops");
        Assert.Contains($"image_digest: {digest}", await BareRepo.ShowAsync(gitops, "test/demo/config.yaml"), StringComparison.Ordinal);
        Assert.Equal(1, await BareRepo.CommitCountAsync(gitops));
        var verify = await Modelpipe.RunAsync(b, ["models", "verify"], Env);
        Assert.True(verify.ExitCode == 0, verify.All);
        var zooCommits = await BareRepo.CommitCountAsync(zoo); // the version and the test alias

        // Someone moves the version tag to the other image: verify says so, and PushMirrors never moves it again.
        await Tools.RunOkAsync("skopeo", "copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false",
            $"docker://{registry.Host}/modelzoo@{built[loser]}", $"docker://{registry.Host}/modelzoo:demo-v1");
        var broken = await Modelpipe.RunAsync(b, ["models", "verify"], Env);
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains($"models/demo/v1: tag {registry.Host}/modelzoo:demo-v1 points at {built[loser]}, but the zoo records {digest}", broken.All, StringComparison.Ordinal);
        var again = await Modelpipe.RunAsync(a, ["push"], Env);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("a version tag is never moved", again.All, StringComparison.Ordinal);
        Assert.Equal(built[loser], await TagDigestAsync(registry, "demo-v1"));
        Assert.Equal(zooCommits, await BareRepo.CommitCountAsync(zoo));
    }
}
