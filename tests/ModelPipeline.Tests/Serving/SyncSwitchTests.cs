using System.Diagnostics;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Serving;

/// <summary>The switch as readers and crashes see it: one version at a time, and a consistent root after kill -9 anywhere.</summary>
public sealed class SyncSwitchTests : IDisposable
{
    private readonly ServingWorld _w = new();

    public void Dispose() => _w.Dispose();

    private static bool SameFiles(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    [Fact]
    public async Task A_reader_hammering_current_during_switches_always_sees_exactly_one_versions_files()
    {
        var v1 = await _w.PublishAsync(1);
        var v2 = await _w.PublishAsync(2);
        var manifests = new[] { ServingWorld.Digests(v1), ServingWorld.Digests(v2) };
        _w.WriteSync("demo@v1", keep: 1);
        Assert.Equal(0, (await _w.SyncAsync()).ExitCode);

        using var stop = new CancellationTokenSource();
        var seen = new int[2];
        string? problem = null;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested && problem is null)
            {
                // A model server resolves current once per load, then reads every file from there.
                var resolved = new DirectoryInfo(_w.CurrentLink).ResolveLinkTarget(returnFinalTarget: true);
                if (resolved is null || !resolved.Exists) { problem = "current did not resolve to a folder"; break; }
                Dictionary<string, string> files;
                try { files = ServingWorld.Digests(resolved.FullName); }
                catch (IOException ex) { problem = $"reading {resolved.FullName} failed: {ex.Message}"; break; }
                var match = Array.FindIndex(manifests, m => SameFiles(m, files));
                if (match < 0) { problem = $"{resolved.Name} held a mix: {string.Join(", ", files.Select(f => $"{f.Key}={f.Value[..8]}"))}"; break; }
                Interlocked.Increment(ref seen[match]);
            }
        });

        for (var i = 0; i < 6 && problem is null; i++)
        {
            _w.WriteSync(i % 2 == 0 ? "demo@v2" : "demo@v1", keep: 1);
            var result = await _w.SyncAsync();
            Assert.True(result.ExitCode == 0, result.All);
        }
        await stop.CancelAsync();
        await reader;

        Assert.Null(problem);
        Assert.True(seen[0] > 0 && seen[1] > 0, $"the reader saw v1 {seen[0]} and v2 {seen[1]} time(s)");
        _w.AssertServes(1, v1);
    }

    [Fact]
    public async Task Killing_sync_at_random_points_20_times_never_leaves_the_root_inconsistent_and_a_rerun_ends_on_the_right_version()
    {
        var published = new Dictionary<int, ZooSeed.Seeded> { [1] = await _w.PublishAsync(1), [2] = await _w.PublishAsync(2) };
        _w.WriteSync("demo@v1", keep: 1);
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, (await _w.SyncAsync()).ExitCode);
        var fullPass = clock.Elapsed;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var killed = 0;

        for (var i = 0; i < 20; i++)
        {
            // Alternate the target; keep 0 on every other run so versions are removed and pulled again.
            var target = i % 2 == 0 ? 2 : 1;
            _w.WriteSync($"demo@v{target}", keep: i % 4 < 2 ? 0 : 1);
            using var sync = DaemonProcess.Start(_w.Root, ["sync", "--file", _w.SyncPath]);
            await Task.Delay(TimeSpan.FromMilliseconds(random.NextDouble() * fullPass.TotalMilliseconds * 1.2));
            if (!sync.HasExited) killed++;
            sync.KillHard();
            AssertConsistent(published, $"after kill {i + 1} (seed {seed})");
        }
        _w.WriteSync("demo@v2", keep: 1);
        var final = await _w.SyncAsync();

        Assert.True(final.ExitCode == 0, final.All);
        _w.AssertServes(2, published[2]);
        Assert.All(_w.ModelEntries(), e => Assert.False(e.StartsWith('.'), $"leftover {e}"));
        Assert.True(killed >= 5, $"only {killed} of 20 runs were still running when killed (seed {seed}, full pass {fullPass.TotalSeconds:F1}s)");
    }

    /// <summary>current (if any) links to a version folder; every version folder holds exactly that version's files.</summary>
    private void AssertConsistent(Dictionary<int, ZooSeed.Seeded> published, string when)
    {
        var model = Path.Combine(_w.Serving, "demo");
        if (!Directory.Exists(model)) return;
        var names = published.ToDictionary(p => ServingWorld.VersionName(p.Key, p.Value), p => p.Value);
        if (_w.Current is { } current)
            Assert.True(names.ContainsKey(current) && Directory.Exists(Path.Combine(model, current)), $"{when}: current links to {current}");
        foreach (var entry in _w.ModelEntries().Where(e => !e.StartsWith('.') && e != "current"))
        {
            Assert.True(names.TryGetValue(entry, out var seeded), $"{when}: unexpected {entry}");
            Assert.True(SameFiles(ServingWorld.Digests(seeded), ServingWorld.Digests(Path.Combine(model, entry))), $"{when}: {entry} is incomplete or wrong");
        }
    }
}
