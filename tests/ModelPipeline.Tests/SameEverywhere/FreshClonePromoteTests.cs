using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.SameEverywhere;

/// <summary>Promote decides from the published entry (the gate re-run pulls the files from the registry), so a fresh clone (no run state) fails closed.</summary>
public sealed class FreshClonePromoteTests
{
    private static readonly Dictionary<string, string?> Env = new() { ["SOURCE_DATE_EPOCH"] = null };

    [RegistryFact]
    public async Task In_a_fresh_clone_a_passing_version_is_promoted_and_after_tightening_a_gate_it_is_refused()
    {
        using var world = new TestWorld();
        await using var registry = await LocalRegistry.StartAsync();
        var clones = new Clones(world);
        var (zoo, gitops) = await clones.CreateRegistrySourceAsync(registry, Clones.DeterministicTrainer);
        var publisher = await clones.CloneAsync("publisher");
        await Clones.RunAsync(publisher, Env, "fetch", "train", "validate", "package", "push", "gitops");

        var releaser = await clones.CloneAsync("releaser");
        var promote = await Modelpipe.RunAsync(releaser, ["promote", "--model", "demo", "--version", "1"], Env);

        Assert.True(promote.ExitCode == 0, promote.All);
        Assert.Contains("v1 passes the validation gate (zoo v1: recorded verdict)", promote.All, StringComparison.Ordinal);
        Assert.Contains("environment: prod", await BareRepo.GitAsync(gitops, "show", "promote/demo-v1:prod/demo/config.yaml"), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(releaser, "artifacts", "demo", "promotions", "v1", "pull-request.md")));

        var stricter = await clones.CloneAsync("stricter");
        await File.WriteAllTextAsync(Path.Combine(stricter, "models", "demo", "model.json"), Clones.ModelJson(minAccuracy: 0.99));
        var refs = await BareRepo.GitAsync(gitops, "show-ref");
        var refused = await Modelpipe.RunAsync(stricter, ["promote", "--model", "demo", "--version", "1"], Env);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("model 'demo' v1 failed the validation gate (zoo v1: current gates re-run on its files: metrics: accuracy = 0.97 is below the minimum 0.99); refusing to promote it", refused.All, StringComparison.Ordinal);
        Assert.Contains("Fix: promote a version that passes", refused.All, StringComparison.Ordinal);
        Assert.Equal(refs, await BareRepo.GitAsync(gitops, "show-ref"));
        Assert.False(Directory.Exists(Path.Combine(stricter, "artifacts", "demo", "promotions")));
        Assert.Empty(Directory.Exists(Path.Combine(stricter, "artifacts")) ? Directory.GetDirectories(Path.Combine(stricter, "artifacts"), ".promote-*") : []);
    }
}
