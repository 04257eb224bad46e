using System.Diagnostics;
using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.SameEverywhere;

/// <summary>
/// Two Publish runs in one fresh workspace (what two <c>./build.sh Publish</c> started 2 s apart do:
/// each is one <c>modelpipe steps</c> process). The later one waits for the earlier and reuses its result.
/// </summary>
public sealed class TwoPublishesOneWorkspaceTests
{
    /// <summary>A <c>modelpipe steps</c> process fed verbs one at a time, as build.sh's Cake targets feed it.</summary>
    private sealed class StepsProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _status;
        private readonly string _root;
        private readonly Task<string> _stdout;
        private readonly Task<string> _stderr;
        private int _sent;

        public StepsProcess(string root)
        {
            _root = root;
            _status = Path.Combine(root, "..", $"{Path.GetFileName(root)}.{Guid.NewGuid():N}.status");
            var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "modelpipe.dll"), "steps", "--status-file", _status }) info.ArgumentList.Add(a);
            info.Environment["CI"] = "true";
            info.Environment.Remove("GITHUB_ACTIONS");
            info.Environment.Remove("GITLAB_CI");
            _process = Process.Start(info)!;
            _stdout = _process.StandardOutput.ReadToEndAsync();
            _stderr = _process.StandardError.ReadToEndAsync();
        }

        /// <summary>Runs each verb and waits for its exit code.</summary>
        public async Task<IReadOnlyList<int>> RunAsync(params string[] verbs)
        {
            var codes = new List<int>();
            foreach (var verb in verbs)
            {
                await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(new[] { verb, "--root", _root }));
                await _process.StandardInput.FlushAsync();
                _sent++;
                var clock = Stopwatch.StartNew();
                while (true)
                {
                    var lines = File.Exists(_status) ? (await File.ReadAllLinesAsync(_status)) : [];
                    if (lines.Length >= _sent) { codes.Add(int.Parse(lines[_sent - 1], System.Globalization.CultureInfo.InvariantCulture)); break; }
                    Assert.False(_process.HasExited, "modelpipe steps ended early");
                    Assert.True(clock.Elapsed < TimeSpan.FromMinutes(5), $"{verb} did not finish");
                    await Task.Delay(50);
                }
            }
            return codes;
        }

        public async Task<string> OutputAsync()
        {
            _process.StandardInput.Close();
            await _process.WaitForExitAsync();
            return await _stdout + await _stderr;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }

    /// <summary>The local default with the embedded busybox base (a shell, so UpdateGitOps deploys it).</summary>
    internal static object Settings() => new
    {
        modelcar = new
        {
            baseImage = "busybox-static",
            busybox = new { path = "/bin/busybox", sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes("/bin/busybox"))) },
        },
    };

    [Packaging.BusyboxFact]
    public async Task A_publish_whose_zoo_clone_another_run_published_into_reuses_that_version()
    {
        using var world = new TestWorld();
        var clones = new Clones(world);
        await clones.CreateSourceAsync(Settings(), Clones.DeterministicTrainer);
        var ws = await clones.CloneAsync("ws");
        await using var later = new StepsProcess(ws);
        // The later run has read the (still empty) zoo in Train before the earlier run publishes.
        var before = await later.RunAsync("fetch", "train", "validate", "package");
        Assert.True(before.All(c => c == 0), string.Join(",", before));
        await using (var earlier = new StepsProcess(ws))
        {
            var codes = await earlier.RunAsync(Clones.Publish);
            var said = await earlier.OutputAsync();
            Assert.True(codes.All(c => c == 0), said);
        }
        var zoo = Path.Combine(ws, ".pipeline", "zoo.git");
        var gitops = Path.Combine(ws, ".pipeline", "gitops.git");
        var zooTip = await BareRepo.TipAsync(zoo);
        var gitopsTip = await BareRepo.TipAsync(gitops);

        var after = await later.RunAsync("push", "gitops", "pr");

        var output = await later.OutputAsync();
        Assert.True(after.All(c => c == 0), output);
        Assert.True(output.Contains("v1 already holds training key", StringComparison.Ordinal), output);
        Assert.Equal(zooTip, await BareRepo.TipAsync(zoo));
        Assert.Equal(gitopsTip, await BareRepo.TipAsync(gitops));
        Assert.Equal(["models/demo/v1/manifest.json"], (await BareRepo.FilesAsync(zoo)).Where(f => f.EndsWith("manifest.json", StringComparison.Ordinal)));
        var digest = Clones.Run(ws, "package").GetProperty("digest").GetString()!;
        Assert.Contains($"image_digest: {digest}", await BareRepo.ShowAsync(gitops, "test/demo/config.yaml"), StringComparison.Ordinal);
        Assert.NotNull(await BareRepo.TipAsync(gitops, "promote/demo-v1"));
    }

    [Packaging.BusyboxFact]
    public async Task Two_publishes_started_together_in_one_fresh_workspace_both_succeed_with_one_version()
    {
        using var world = new TestWorld();
        var clones = new Clones(world);
        await clones.CreateSourceAsync(Settings(), Clones.DeterministicTrainer);
        var ws = await clones.CloneAsync("ws");
        await using var a = new StepsProcess(ws);
        await using var b = new StepsProcess(ws);

        var runs = await Task.WhenAll(a.RunAsync(Clones.Publish), b.RunAsync(Clones.Publish));

        var output = await a.OutputAsync() + await b.OutputAsync();
        Assert.True(runs.All(r => r.All(c => c == 0)), output);
        var zoo = Path.Combine(ws, ".pipeline", "zoo.git");
        Assert.Equal(["models/demo/v1/manifest.json"], (await BareRepo.FilesAsync(zoo)).Where(f => f.EndsWith("manifest.json", StringComparison.Ordinal)));
        var digest = Clones.Run(ws, "package").GetProperty("digest").GetString()!;
        var gitops = Path.Combine(ws, ".pipeline", "gitops.git");
        Assert.Contains($"image_digest: {digest}", await BareRepo.ShowAsync(gitops, "test/demo/config.yaml"), StringComparison.Ordinal);
    }
}
