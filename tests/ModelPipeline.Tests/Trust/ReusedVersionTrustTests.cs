using System.Text.Json.Nodes;
using ModelPipeline.Tests.SameEverywhere;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Trust;

/// <summary>
/// Re-runs and fresh clones reuse a published version with every record of its first packaging
/// (signature, SBOM, provenance, base-image verdict), read from the zoo and the registry: real git,
/// Debian's docker-registry, the modelpipe verbs of ./build.sh Publish.
/// </summary>
public sealed class ReusedVersionTrustTests
{
    private static async Task<(Clones Clones, string PublicPath, string PrivatePem)> SourceAsync(TestWorld world, LocalRegistry registry,
        string baseImage, bool required)
    {
        var clones = new Clones(world);
        var zoo = await BareRepo.CreateAsync(clones.Shared("zoo.git"));
        var gitops = await BareRepo.CreateAsync(clones.Shared("gitops.git"));
        var key = TrustKit.NewKey(world, "signer");
        await clones.CreateSourceAsync(new
        {
            zoo = new { url = zoo, mirrors = Array.Empty<object>() },
            modelcar = new { destination = "registry", repository = $"{registry.Host}/modelzoo", baseImage },
            gitops = new { repository = gitops },
            signing = new { required },
        }, Clones.DeterministicTrainer);
        return (clones, key.PublicPath, key.PrivatePem);
    }

    private static Dictionary<string, string?> Env(string? privatePem) =>
        new() { ["MODELPIPE_SIGNING_KEY"] = privatePem, ["SOURCE_DATE_EPOCH"] = null };

    [RegistryFact]
    public async Task Two_publish_runs_and_a_fresh_clone_with_signing_required_all_pass_and_verify()
    {
        await using var registry = await LocalRegistry.StartAsync();
        using var world = new TestWorld();
        var (clones, publicPath, privatePem) = await SourceAsync(world, registry, await BusyboxBase.PushAsync(registry), required: true);

        var runner = await clones.CloneAsync("runner-1");
        await Clones.RunAsync(runner, Env(privatePem), Clones.Publish);
        var second = await Clones.RunAsync(runner, Env(privatePem), Clones.Publish);
        var fresh = await clones.CloneAsync("runner-2");
        var third = await Clones.RunAsync(fresh, Env(privatePem), Clones.Publish);

        Assert.Contains("reused v1", second, StringComparison.Ordinal);
        Assert.Contains("is already signed as demo v1", third, StringComparison.Ordinal);
        Assert.StartsWith("sha256:", Clones.Run(fresh, "package").GetProperty("attestations").GetProperty("signature").GetString(), StringComparison.Ordinal);
        var verify = await Modelpipe.RunAsync(fresh, ["verify", "demo@v1", "--key", publicPath], Env(null));
        Assert.True(verify.ExitCode == 0, verify.All);
    }

    [RegistryFact]
    public async Task An_unsigned_v1_is_signed_by_a_later_publish_with_the_key_and_then_verifies()
    {
        await using var registry = await LocalRegistry.StartAsync();
        using var world = new TestWorld();
        var (clones, publicPath, privatePem) = await SourceAsync(world, registry, await BusyboxBase.PushAsync(registry), required: false);
        var runner = await clones.CloneAsync("runner-1");
        await Clones.RunAsync(runner, Env(null), Clones.Publish);
        var unsigned = await Modelpipe.RunAsync(runner, ["verify", "demo@v1", "--key", publicPath], Env(null));

        var output = await Clones.RunAsync(runner, Env(privatePem), Clones.Publish);
        var verify = await Modelpipe.RunAsync(runner, ["verify", "demo@v1", "--key", publicPath], Env(null));

        Assert.Equal(1, unsigned.ExitCode);
        Assert.Contains("signed sha256:", output, StringComparison.Ordinal);
        Assert.Contains("as demo v1", output, StringComparison.Ordinal);
        Assert.True(verify.ExitCode == 0, verify.All);
    }

    [RegistryFact]
    public async Task A_shell_less_v1_stays_refused_on_reruns_and_a_new_base_publishes_v2_from_the_same_training_output()
    {
        await using var registry = await LocalRegistry.StartAsync();
        using var world = new TestWorld();
        var (clones, _, _) = await SourceAsync(world, registry, "scratch", required: false);
        var runner = await clones.CloneAsync("runner-1");
        var steps = Clones.Publish.TakeWhile(s => s != "gitops").ToArray();

        await Clones.RunAsync(runner, Env(null), steps);
        var first = await Modelpipe.RunAsync(runner, ["gitops"], Env(null));
        var v1 = Clones.Run(runner, "package").GetProperty("digest").GetString()!;
        var key = Clones.Run(runner, "train").GetProperty("trainingKey").GetString()!;

        // Unset the setting (its default is the same shell-less base) and publish again, here and in a fresh clone.
        var pipeline = Path.Combine(runner, "pipeline.json");
        var settings = JsonNode.Parse(File.ReadAllText(pipeline))!.AsObject();
        settings["modelcar"]!.AsObject().Remove("baseImage");
        File.WriteAllText(pipeline, settings.ToJsonString());
        var rerun = await Clones.RunAsync(runner, Env(null), steps);
        var again = await Modelpipe.RunAsync(runner, ["gitops"], Env(null));
        var fresh = await clones.CloneAsync("runner-2");
        await Clones.RunAsync(fresh, Env(null), steps);
        var freshGitops = await Modelpipe.RunAsync(fresh, ["gitops"], Env(null));

        foreach (var refused in new[] { first, again, freshGitops })
        {
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains($"{registry.Host}/modelzoo@{v1}", refused.All, StringComparison.Ordinal);
            Assert.Contains("has no /bin/sh (packaged on 'scratch')", refused.All, StringComparison.Ordinal);
            Assert.Contains("published as a new version", refused.All, StringComparison.Ordinal);
        }
        Assert.Contains("reused v1", rerun, StringComparison.Ordinal);
        Assert.Null(await BareRepo.TipAsync(clones.Shared("gitops.git")));

        // The way out the error names: a base with a shell packages the same training output as v2, which deploys.
        settings["modelcar"]!["baseImage"] = await BusyboxBase.PushAsync(registry);
        File.WriteAllText(pipeline, settings.ToJsonString());
        var wayOut = await Clones.RunAsync(runner, Env(null), Clones.Publish);

        Assert.Contains("published as a new version of the same training output", wayOut, StringComparison.Ordinal);
        Assert.Equal(key, Clones.Run(runner, "train").GetProperty("trainingKey").GetString());
        Assert.Equal(2, Clones.Run(runner, "zoo").GetProperty("version").GetInt32());
        var v2 = Clones.Run(runner, "gitops").GetProperty("digest").GetString();
        Assert.NotEqual(v1, v2);
        Assert.Contains("model_version: 2", await BareRepo.ShowAsync(clones.Shared("gitops.git"), "test/demo/config.yaml"), StringComparison.Ordinal);
        // A later run reuses v2, the key's deployable version.
        var later = await Clones.RunAsync(runner, Env(null), Clones.Publish);
        Assert.Contains("reused v2", later, StringComparison.Ordinal);
    }
}
