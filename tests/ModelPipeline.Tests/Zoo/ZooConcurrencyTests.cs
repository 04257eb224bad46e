using ModelPipeline.Tests.Support;
using ModelPipeline.Zoo;

namespace ModelPipeline.Tests.Zoo;

public sealed class ZooConcurrencyTests : IDisposable
{
    private readonly string _shared = Path.Combine(Path.GetTempPath(), "mp-tests", "zoo-shared-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<TestWorld> _worlds = [];

    public void Dispose()
    {
        foreach (var w in _worlds) w.Dispose();
        try { Directory.Delete(_shared, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Concurrent_publishers_in_separate_processes_get_distinct_ordered_versions_and_none_is_lost()
    {
        const int publishers = 4;
        var primary = await BareRepo.CreateAsync(Path.Combine(_shared, "zoo.git"));
        var mirror = await BareRepo.CreateAsync(Path.Combine(_shared, "mirror.git"));
        var seeds = new List<(TestWorld World, ZooSeed.Seeded Seed)>();
        for (var i = 1; i <= publishers; i++)
        {
            var world = new TestWorld();
            _worlds.Add(world);
            var seed = await world.SeedPackagedAsync(variant: i);
            world.WriteZooConfig(ZooSeed.ZooJson(primary, ("shared", mirror, null)));
            seeds.Add((world, seed));
        }

        var results = await Task.WhenAll(seeds.Select(s => Modelpipe.RunAsync(s.World.Root, "push")));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.All));
        var versions = seeds.Select(s => s.World.ReadRun<ZooRecord>("demo", s.Seed.TrainingKey, "zoo").Version).Order().ToList();
        Assert.Equal(Enumerable.Range(1, publishers), versions);
        Assert.Equal(publishers, await BareRepo.CommitCountAsync(primary));

        // Every version folder holds the training key of the publisher that got that number, in commit order.
        var byKey = seeds.ToDictionary(s => s.Seed.TrainingKey, s => s.World.ReadRun<ZooRecord>("demo", s.Seed.TrainingKey, "zoo").Version);
        foreach (var (key, version) in byKey)
            Assert.Contains(key, await BareRepo.ShowAsync(primary, $"models/demo/v{version}/manifest.json"));
        var subjects = (await BareRepo.GitAsync(primary, "log", "--reverse", "--format=%s", "main")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(1, publishers).Select(v => $"demo v{v} "), subjects.Select(s => s["zoo: publish ".Length..][..(s.IndexOf('(', StringComparison.Ordinal) - "zoo: publish ".Length)]));
        Assert.Contains($"\"latest\": {publishers}", await BareRepo.ShowAsync(primary, "models/demo/aliases.json"));

        // Mirror pushes only move forward, and the publisher of the last version pushes it too: the mirror ends at the primary's tip.
        Assert.Equal(await BareRepo.TipAsync(primary), await BareRepo.TipAsync(mirror));
    }

    [Fact]
    public async Task Publishers_in_one_workspace_take_turns_on_the_cached_clone()
    {
        var world = new TestWorld();
        _worlds.Add(world);
        var a = await world.SeedPackagedAsync("alpha");
        var b = await world.SeedPackagedAsync("beta");

        var results = await Task.WhenAll(Modelpipe.RunAsync(world.Root, "push", "--model", "alpha"), Modelpipe.RunAsync(world.Root, "push", "--model", "beta"));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.All));
        var primary = Path.Combine(world.Root, ".pipeline", "zoo.git");
        Assert.Equal(2, await BareRepo.CommitCountAsync(primary));
        Assert.Equal(1, world.ReadRun<ZooRecord>("alpha", a.TrainingKey, "zoo").Version);
        Assert.Equal(1, world.ReadRun<ZooRecord>("beta", b.TrainingKey, "zoo").Version);
        var index = await BareRepo.ShowAsync(primary, "index.json");
        Assert.Contains("\"model\": \"alpha\"", index);
        Assert.Contains("\"model\": \"beta\"", index);
    }
}
