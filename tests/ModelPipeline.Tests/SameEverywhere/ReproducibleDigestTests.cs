using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.SameEverywhere;

/// <summary>The image digest depends on the files and the commit, never on the workspace or the clock.</summary>
public sealed class ReproducibleDigestTests
{
    private static readonly Dictionary<string, string?> Env = new() { ["SOURCE_DATE_EPOCH"] = null };

    [Fact]
    public async Task Two_workspaces_that_both_train_the_same_commit_package_the_same_digest()
    {
        using var world = new TestWorld();
        var clones = new Clones(world);
        await clones.CreateSourceAsync(new { }, Clones.DeterministicTrainer); // each clone: its own sandbox zoo and OCI layout
        var a = await clones.CloneAsync("a");
        var b = await clones.CloneAsync("b");

        await Clones.RunAsync(a, Env, "fetch", "train", "validate", "package");
        await Task.Delay(1100); // a clock-based created time would now differ
        await Clones.RunAsync(b, Env, "fetch", "train", "validate", "package");

        Assert.StartsWith("local-", Clones.Run(a, "train").GetProperty("runId").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("local-", Clones.Run(b, "train").GetProperty("runId").GetString(), StringComparison.Ordinal);
        var digest = Clones.Run(a, "package").GetProperty("digest").GetString();
        Assert.Equal(digest, Clones.Run(b, "package").GetProperty("digest").GetString());
        var committed = long.Parse((await BareRepo.GitAsync(clones.Source, "log", "-1", "--format=%ct", "--", "models/demo")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(committed), Clones.Run(a, "package").GetProperty("createdAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Packaging_in_a_shallow_clone_that_cuts_off_the_model_s_last_commit_fails_and_writes_nothing()
    {
        using var world = new TestWorld();
        var clones = new Clones(world);
        await clones.CreateSourceAsync(new { }, Clones.DeterministicTrainer);
        await File.WriteAllTextAsync(Path.Combine(clones.Source, "README.md"), "later change outside the model\n");
        await BareRepo.GitAsync(clones.Source, "add", "README.md");
        await BareRepo.GitAsync(clones.Source, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "readme");
        var shallow = Path.Combine(world.Root, "shallow");
        await BareRepo.GitAsync(world.Root, "clone", "--quiet", "--depth", "1", "file://" + clones.Source, shallow);
        await Clones.RunAsync(shallow, Env, "fetch", "train", "validate");

        var run = await Modelpipe.RunAsync(shallow, ["package"], Env);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("model 'demo': this checkout is shallow", run.All, StringComparison.Ordinal);
        Assert.Contains("Fix: fetch the whole history", run.All, StringComparison.Ordinal);
        var outputDir = Path.Combine(shallow, Clones.Run(shallow, "train").GetProperty("outputDir").GetString()!);
        Assert.True(Directory.Exists(outputDir), outputDir);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(outputDir)!, "package.json")));
        Assert.False(Directory.Exists(Path.Combine(shallow, ".pipeline", "oci")));

        var pinned = await Modelpipe.RunAsync(shallow, ["package", "--json"], new Dictionary<string, string?> { ["SOURCE_DATE_EPOCH"] = "1700000000" });
        Assert.True(pinned.ExitCode == 0, pinned.All);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), Clones.Run(shallow, "package").GetProperty("createdAt").GetDateTimeOffset());
    }
}
