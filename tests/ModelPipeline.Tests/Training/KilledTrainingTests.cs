using ModelPipeline.Tests.RemoteTraining;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Training;

/// <summary>kill -9 during Train: the staging folder it leaves is removed by the next run, and only then.</summary>
public sealed class KilledTrainingTests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task A_staging_folder_left_by_a_killed_training_run_is_removed_by_the_next_run()
    {
        var block = Path.Combine(_world.Root, "block");
        var pidFile = Path.Combine(_world.Root, "trainer.pid");
        var dir = _world.WriteModel("demo", """
            {
              "name": "demo", "description": "d", "owners": ["o"], "data": [],
              "training": { "backend": "local", "command": ["sh", "train.sh"], "sources": ["train.sh"] },
              "artifacts": { "format": "onnx", "files": ["model.onnx"] }, "validation": {}, "serving": { "runtime": "onnx" }
            }
            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "train.sh"), $$"""
            if [ -f "{{block}}" ]; then echo half > "$MP_OUTPUT_DIR/model.onnx"; echo $$ > "{{pidFile}}"; exec sleep 300; fi
            echo whole > "$MP_OUTPUT_DIR/model.onnx"
            """);
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "fetch")).ExitCode);
        File.WriteAllText(block, "");
        var runs = Path.Combine(_world.ArtifactsDir, "demo", "runs");

        var killed = await SigInt.RunUntilAsync(_world.Root, ["train"], new Dictionary<string, string?>(), () => File.Exists(pidFile), "-KILL");

        Assert.Equal(137, killed.ExitCode);
        StopOrphan(pidFile);
        var staging = Assert.Single(Directory.GetDirectories(runs, "output.*.tmp", SearchOption.AllDirectories));
        Assert.Equal("half\n", File.ReadAllText(Path.Combine(staging, "model.onnx")));
        File.Delete(block);

        var again = await Modelpipe.RunAsync(_world.Root, "train");

        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains($"removed {Path.GetRelativePath(_world.ArtifactsDir, staging)}, left by a training run that was stopped", again.All);
        Assert.Empty(Directory.GetDirectories(runs, "output.*.tmp", SearchOption.AllDirectories));
        var output = Assert.Single(Directory.GetDirectories(runs, "output", SearchOption.AllDirectories));
        Assert.Equal("whole\n", File.ReadAllText(Path.Combine(output, "model.onnx")));
    }

    [Fact]
    public async Task A_staging_folder_whose_key_another_process_holds_is_left_alone_until_that_process_lets_go()
    {
        var dir = _world.WriteModel("demo", """
            {
              "name": "demo", "description": "d", "owners": ["o"], "data": [],
              "training": { "backend": "local", "command": ["sh", "train.sh"], "sources": ["train.sh"] },
              "artifacts": { "format": "onnx", "files": ["model.onnx"] }, "validation": {}, "serving": { "runtime": "onnx" }
            }
            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "train.sh"), "echo ok > \"$MP_OUTPUT_DIR/model.onnx\"\n");
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "fetch")).ExitCode);
        // This test process stands for a live training run of another key: it holds that key's lock.
        var otherKey = new string('e', 64);
        var live = Path.Combine(_world.ArtifactsDir, "demo", "runs", otherKey, "output.0123.tmp");
        Directory.CreateDirectory(live);
        var lockFile = Path.Combine(_world.ArtifactsDir, "demo", "locks", $"train-{otherKey}.lock");
        var held = await ModelPipeline.RunState.FileLock.AcquireAsync(lockFile, TimeSpan.FromSeconds(5), "test", CancellationToken.None);

        var first = await Modelpipe.RunAsync(_world.Root, "train");

        Assert.True(first.ExitCode == 0, first.All);
        Assert.True(Directory.Exists(live));
        Assert.DoesNotContain("left by a training run that was stopped", first.All);
        held.Dispose();

        var second = await Modelpipe.RunAsync(_world.Root, "train");

        Assert.True(second.ExitCode == 0, second.All);
        Assert.False(Directory.Exists(live));
        Assert.Contains($"removed demo/runs/{otherKey}/output.0123.tmp, left by a training run that was stopped", second.All);
    }

    private static void StopOrphan(string pidFile)
    {
        // SIGKILL does not reach the trainer's children: stop the orphan so the test leaves nothing running.
        var pid = File.ReadAllText(pidFile).Trim();
        Tools.Run("kill", "-KILL", pid);
    }
}
