using ModelPipeline.Tests.Support;
using ModelPipeline.Zoo;

namespace ModelPipeline.Tests.Zoo;

/// <summary>
/// PushMirrors publishes every model of a run in one zoo commit and one push to each remote (counted by a
/// post-receive hook in the real bare repositories), with each version's ledger line, a
/// writer racing the push, and a run killed with SIGKILL in the middle of the batch.
/// </summary>
public sealed class ZooBatchPublishTests : IDisposable
{
    private readonly string _shared = Path.Combine(Path.GetTempPath(), "mp-tests", "zoo-batch-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<TestWorld> _worlds = [];

    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public void Dispose()
    {
        foreach (var w in _worlds) w.Dispose();
        try { Directory.Delete(_shared, recursive: true); } catch (IOException) { }
    }

    private TestWorld NewWorld()
    {
        var world = new TestWorld();
        _worlds.Add(world);
        return world;
    }

    /// <summary>A bare repository whose post-receive hook appends a line to <c>pushes.log</c> beside it for each push.</summary>
    private static async Task<string> CountedRepoAsync(string path)
    {
        await BareRepo.CreateAsync(path);
        var hook = Path.Combine(path, "hooks", "post-receive");
        File.WriteAllText(hook, $"#!/bin/sh\necho push >> '{path}.pushes'\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(hook, Executable);
        return path;
    }

    private static int Pushes(string repo) => File.Exists(repo + ".pushes") ? File.ReadAllLines(repo + ".pushes").Length : 0;

    private async Task<(TestWorld World, string Primary, string Mirror)> SharedWorldAsync()
    {
        var primary = await CountedRepoAsync(Path.Combine(_shared, "zoo.git"));
        var mirror = await CountedRepoAsync(Path.Combine(_shared, "mirror.git"));
        var world = NewWorld();
        world.WriteZooConfig(ZooSeed.ZooJson(primary, ("shared", mirror, null)));
        return (world, primary, mirror);
    }

    [Fact]
    public async Task Many_models_pushed_in_one_run_make_one_commit_and_one_push_to_each_remote()
    {
        var (world, primary, mirror) = await SharedWorldAsync();
        var seeds = new List<ZooSeed.Seeded>();
        foreach (var name in new[] { "alpha", "beta", "gamma" }) seeds.Add(await world.SeedPackagedAsync(name));

        var first = await Modelpipe.RunAsync(world.Root, "push");

        Assert.True(first.ExitCode == 0, first.All);
        Assert.Equal(1, await BareRepo.CommitCountAsync(primary));
        Assert.Equal((1, 1), (Pushes(primary), Pushes(mirror)));
        Assert.Equal(await BareRepo.TipAsync(primary), await BareRepo.TipAsync(mirror));
        var message = await BareRepo.GitAsync(primary, "log", "-1", "--format=%B", "main");
        Assert.StartsWith("zoo: publish 3 versions", message, StringComparison.Ordinal);
        foreach (var seed in seeds)
        {
            Assert.Contains($"zoo: publish {seed.Model} v1 ({seed.Digest})", message, StringComparison.Ordinal);
            var record = world.ReadRun<ZooRecord>(seed.Model, seed.TrainingKey, "zoo");
            Assert.Equal((1, false, await BareRepo.TipAsync(primary)), (record.Version, record.AlreadyPublished, record.Commit));
            Assert.Contains(seed.TrainingKey, await BareRepo.ShowAsync(primary, $"models/{seed.Model}/v1/manifest.json"));
            Assert.Single((await BareRepo.ShowAsync(primary, $"models/{seed.Model}/{ZooLedger.FileName}")).Trim().Split('\n'));
        }
        var published = await BareRepo.TipAsync(primary);

        // A no-op run adds nothing and pushes nothing; one changed model adds its v2 in one more commit and push.
        var noop = await Modelpipe.RunAsync(world.Root, "push");
        Assert.True(noop.ExitCode == 0, noop.All);
        Assert.Equal((1, 1), (Pushes(primary), Pushes(mirror)));
        var beta2 = await world.SeedPackagedAsync("beta", variant: 2);
        var changed = await Modelpipe.RunAsync(world.Root, "push");

        Assert.True(changed.ExitCode == 0, changed.All);
        Assert.Equal((2, 2), (Pushes(primary), Pushes(mirror)));
        Assert.Equal(2, world.ReadRun<ZooRecord>("beta", beta2.TrainingKey, "zoo").Version);
        Assert.Equal($"zoo: publish beta v2 ({beta2.Digest})",
            (await BareRepo.GitAsync(primary, "log", "-1", "--format=%s", "main")).Trim());
        // Only beta's folder changed: every v1 is as it was published, and beta's ledger chains v2 to v1.
        var touched = (await BareRepo.GitAsync(primary, "diff", "--name-only", published!, "main"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(f => !f.StartsWith("models/beta/v2/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        Assert.Equal(["index.json", "models/beta/aliases.json", "models/beta/index.json", "models/beta/ledger.jsonl"], touched);
        var ledger = ZooLedger.Parse(await BareRepo.ShowAsync(primary, $"models/beta/{ZooLedger.FileName}"), "beta", null);
        Assert.Equal([1, 2], ledger.Select(e => e.Version));
        Assert.Equal(ledger[0].Hash, ledger[1].Previous);
        var verify = await Modelpipe.RunAsync(world.Root, "models", "verify");
        Assert.True(verify.ExitCode == 0, verify.All);
    }

    [Fact]
    public async Task A_model_that_cannot_be_published_fails_alone_and_the_others_share_one_commit()
    {
        var (world, primary, _) = await SharedWorldAsync();
        var alpha = await world.SeedPackagedAsync("alpha");
        var beta = await world.SeedPackagedAsync("beta");
        File.Delete(Path.Combine(world.ArtifactsDir, "beta", "runs", beta.TrainingKey, "package.json"));

        var result = await Modelpipe.RunAsync(world.Root, "push");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("model 'beta'", result.All, StringComparison.Ordinal);
        Assert.Contains("has not been packaged", result.All, StringComparison.Ordinal);
        Assert.Equal((1, 1), (await BareRepo.CommitCountAsync(primary), Pushes(primary)));
        Assert.Equal(1, world.ReadRun<ZooRecord>("alpha", alpha.TrainingKey, "zoo").Version);
        Assert.DoesNotContain(await BareRepo.FilesAsync(primary), f => f.StartsWith("models/beta/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_writer_racing_the_batched_push_leaves_every_version_published_exactly_once()
    {
        var (world, primary, mirror) = await SharedWorldAsync();
        var other = NewWorld();
        other.WriteZooConfig(ZooSeed.ZooJson(primary, ("shared", mirror, null)));
        var alpha = await world.SeedPackagedAsync("alpha", variant: 1);
        var beta = await world.SeedPackagedAsync("beta", variant: 1);
        var otherAlpha = await other.SeedPackagedAsync("alpha", variant: 2);
        var gamma = await other.SeedPackagedAsync("gamma", variant: 1);
        // The other publisher runs (a real modelpipe process) just before this run's first push reaches the primary.
        var race = RaceAtFirstPush(world, other);

        var result = await Modelpipe.RunAsync(world.Root, ["push"], new Dictionary<string, string?>
        {
            ["PATH"] = race + ":" + Environment.GetEnvironmentVariable("PATH"),
        });

        Assert.True(result.ExitCode == 0, result.All);
        Assert.False(File.Exists(Path.Combine(world.Root, ".race-armed")), "the racing publisher did not run");
        Assert.Contains("after 2 attempt(s)", result.All, StringComparison.Ordinal);
        Assert.Equal(2, await BareRepo.CommitCountAsync(primary));
        // The racer took alpha v1; this run renumbered its alpha to v2.
        Assert.Equal(1, other.ReadRun<ZooRecord>("alpha", otherAlpha.TrainingKey, "zoo").Version);
        Assert.Equal(2, world.ReadRun<ZooRecord>("alpha", alpha.TrainingKey, "zoo").Version);
        Assert.Equal(1, world.ReadRun<ZooRecord>("beta", beta.TrainingKey, "zoo").Version);
        Assert.Equal(1, other.ReadRun<ZooRecord>("gamma", gamma.TrainingKey, "zoo").Version);
        foreach (var (model, keys) in new[] { ("alpha", new[] { otherAlpha.TrainingKey, alpha.TrainingKey }), ("beta", [beta.TrainingKey]), ("gamma", [gamma.TrainingKey]) })
        {
            var ledger = ZooLedger.Parse(await BareRepo.ShowAsync(primary, $"models/{model}/{ZooLedger.FileName}"), model, null);
            Assert.Equal(Enumerable.Range(1, keys.Length), ledger.Select(e => e.Version));
            Assert.All(ledger.Skip(1).Zip(ledger), p => Assert.Equal(p.Second.Hash, p.First.Previous));
            for (var v = 1; v <= keys.Length; v++)
                Assert.Contains(keys[v - 1], await BareRepo.ShowAsync(primary, $"models/{model}/v{v}/manifest.json"));
        }
        // (models verify is not run here: the racer's images are in its own OCI layout, not in this world's.)
        Assert.Equal(await BareRepo.TipAsync(primary), await BareRepo.TipAsync(mirror));
    }

    /// <summary>
    /// A git on PATH that, at the first push to origin from <paramref name="world"/>'s zoo clone, first runs
    /// <c>modelpipe push</c> in <paramref name="racer"/> (same primary) to completion; then pushes as asked.
    /// </summary>
    private static string RaceAtFirstPush(TestWorld world, TestWorld racer)
    {
        var bin = Path.Combine(world.Root, ".race-bin");
        var mark = Path.Combine(world.Root, ".race-armed");
        Directory.CreateDirectory(bin);
        File.WriteAllText(mark, "");
        var realGit = Tools.Run("sh", "-c", "command -v git").Output.Trim();
        var dll = Path.Combine(AppContext.BaseDirectory, "modelpipe.dll");
        var script = Path.Combine(bin, "git");
        File.WriteAllText(script, $$"""
            #!/bin/sh
            case "$(pwd)" in {{world.Root}}/*zoo-clones*)
              case "$*" in "push --quiet origin"*)
                if [ -f "{{mark}}" ]; then
                  rm -f "{{mark}}"
                  env -u MODELPIPE_RUN_ID dotnet "{{dll}}" push --root "{{racer.Root}}" >"{{racer.Root}}/race.log" 2>&1 || exit 9
                fi;;
              esac;;
            esac
            exec {{realGit}} "$@"
            """);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, Executable);
        return bin;
    }

    [Fact]
    public async Task A_run_killed_in_the_middle_of_the_batch_heals_on_the_next_run_and_publishes_every_model_once()
    {
        var (world, primary, mirror) = await SharedWorldAsync();
        var seeds = new List<ZooSeed.Seeded>();
        foreach (var name in new[] { "alpha", "beta", "gamma" }) seeds.Add(await world.SeedPackagedAsync(name));
        var kill = new KillAtGit(world, "add --all", "zoo-clones");

        var killed = await Modelpipe.RunAsync(world.Root, ["push"], kill.Armed());

        Assert.True(kill.Fired, killed.All);
        Assert.Equal(137, killed.ExitCode);
        var clone = Directory.GetDirectories(Path.Combine(world.Root, ".pipeline", "zoo-clones")).Single();
        Assert.NotEqual("", await BareRepo.GitAsync(clone, "status", "--porcelain")); // three versions written, none committed
        Assert.Equal(0, Pushes(primary));

        var result = await Modelpipe.RunAsync(world.Root, "push");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains($"the cached clone {clone} was left half-done by a stopped run", result.All, StringComparison.Ordinal);
        Assert.Equal((1, 1, 1), (await BareRepo.CommitCountAsync(primary), Pushes(primary), Pushes(mirror)));
        foreach (var seed in seeds)
        {
            Assert.Equal(1, world.ReadRun<ZooRecord>(seed.Model, seed.TrainingKey, "zoo").Version);
            Assert.Equal(["v1"], (await BareRepo.FilesAsync(primary)).Where(f => f.StartsWith($"models/{seed.Model}/v", StringComparison.Ordinal))
                .Select(f => f.Split('/')[2]).Distinct());
        }
        Assert.Equal("", await BareRepo.GitAsync(clone, "status", "--porcelain"));
        var verify = await Modelpipe.RunAsync(world.Root, "models", "verify");
        Assert.True(verify.ExitCode == 0, verify.All);
    }
}
