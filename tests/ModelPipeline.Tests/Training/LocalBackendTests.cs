using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Training;

/// <summary>The local backend with small real programs (sh) standing in for a trainer.</summary>
public sealed class LocalBackendTests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    private async Task WriteModelAsync(string script, int timeoutSeconds = 60)
    {
        var dir = _world.WriteModel("demo", $$"""
            {
              "name": "demo", "description": "d", "owners": ["o"],
              "data": [ { "name": "rows", "file": "rows.csv" } ],
              "training": { "backend": "local", "command": ["sh", "train.sh"], "timeoutSeconds": {{timeoutSeconds}},
                            "hyperparameters": { "learning_rate": 0.25, "optimizer": "adam" } },
              "artifacts": { "format": "onnx", "files": ["model.onnx"] },
              "validation": {},
              "serving": { "runtime": "onnx" }
            }
            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "rows.csv"), "a\n1\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "train.sh"), script);
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "fetch")).ExitCode);
    }

    private string RunsDir => Path.Combine(_world.ArtifactsDir, "demo", "runs");

    [Fact]
    public async Task The_trainer_gets_its_data_output_and_hyperparameters_through_the_environment()
    {
        await WriteModelAsync("""
            set -e
            echo "lr=$MP_HP_LEARNING_RATE opt=$MP_HP_OPTIMIZER hp=$MP_HYPERPARAMETERS"
            cat "$MP_DATA_ROWS" > "$MP_OUTPUT_DIR/model.onnx"
            cat "$MP_DATA_DIR/rows" >> "$MP_OUTPUT_DIR/model.onnx"
            """);
        var result = await Modelpipe.RunAsync(_world.Root, "train");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("lr=0.25 opt=adam hp={\"learning_rate\":0.25,\"optimizer\":\"adam\"}", result.StdOut);
        var output = Directory.GetDirectories(RunsDir).Single();
        Assert.Equal("a\n1\na\n1\n", File.ReadAllText(Path.Combine(output, "output", "model.onnx")));
    }

    [Fact]
    public async Task A_failing_trainer_exits_1_and_keeps_nothing()
    {
        await WriteModelAsync("echo partial > \"$MP_OUTPUT_DIR/model.onnx\"; echo boom >&2; exit 3");
        var result = await Modelpipe.RunAsync(_world.Root, "train");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the trainer exited with code 3", result.All);
        Assert.Contains("boom", result.All);
        Assert.False(File.Exists(Path.Combine(_world.ArtifactsDir, "demo", "current.json")));
        Assert.DoesNotContain(Directory.EnumerateFiles(RunsDir, "*", SearchOption.AllDirectories), f => !f.Contains("/data/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_timeout_kills_the_trainer_and_its_child_processes()
    {
        var pidFile = Path.Combine(_world.Root, "child.pid");
        await WriteModelAsync($"sleep 300 & echo $! > {pidFile}; wait", timeoutSeconds: 2);
        var result = await Modelpipe.RunAsync(_world.Root, "train");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("exceeded its timeout of 2s and was killed", result.All);
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(IsAlive(child), $"child process {child} survived the timeout");
        Assert.False(File.Exists(Path.Combine(_world.ArtifactsDir, "demo", "current.json")));
    }

    [Fact]
    public async Task A_missing_trainer_program_is_a_clear_failure()
    {
        var dir = _world.WriteModel("demo", """
            {
              "name": "demo", "description": "d", "owners": ["o"], "data": [],
              "training": { "backend": "local", "command": ["no-such-trainer-program"] },
              "artifacts": { "format": "onnx", "files": ["model.onnx"] }, "validation": {}, "serving": { "runtime": "onnx" }
            }
            """);
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "fetch")).ExitCode);
        var result = await Modelpipe.RunAsync(_world.Root, "train");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("'no-such-trainer-program' could not be started", result.All);
    }

    [Fact]
    public async Task Training_before_fetch_says_to_run_fetch()
    {
        _world.WriteModel("demo", """
            {
              "name": "demo", "description": "d", "owners": ["o"], "data": [],
              "training": { "backend": "local", "command": ["true"] },
              "artifacts": { "format": "onnx", "files": ["model.onnx"] }, "validation": {}, "serving": { "runtime": "onnx" }
            }
            """);
        var result = await Modelpipe.RunAsync(_world.Root, "train");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("run ./build.sh Fetch --model demo first", result.All);
    }

    private static bool IsAlive(int pid)
    {
        // A zombie is dead for our purpose; /proc/<pid>/stat's third field is the state.
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try { return File.ReadAllText(stat).Split(' ')[2] != "Z"; } catch (IOException) { return false; }
    }
}

public sealed class CancellationTests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task Ctrl_c_stops_the_trainer_and_its_children_and_keeps_nothing()
    {
        var pidFile = Path.Combine(_world.Root, "child.pid");
        var dir = _world.WriteModel("demo", """
            {
              "name": "demo", "description": "d", "owners": ["o"], "data": [],
              "training": { "backend": "local", "command": ["sh", "train.sh"], "timeoutSeconds": 600 },
              "artifacts": { "format": "onnx", "files": ["model.onnx"] }, "validation": {}, "serving": { "runtime": "onnx" }
            }
            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "train.sh"), $"echo x > \"$MP_OUTPUT_DIR/model.onnx\"; sleep 300 & echo $! > {pidFile}; wait");
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "fetch")).ExitCode);

        var psi = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "modelpipe.dll"), "train", "--root", _world.Root },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["CI"] = "true";
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        for (var i = 0; i < 300 && !File.Exists(pidFile); i++) await Task.Delay(100);
        Assert.True(File.Exists(pidFile), "the trainer never started");
        await Task.Delay(200);
        using (var kill = System.Diagnostics.Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        // Generous: on a loaded machine the runtime may take a while to deliver the signal and unwind.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        await process.WaitForExitAsync(timeout.Token);

        var output = await stdout + await stderr;
        Assert.Equal(130, process.ExitCode);
        Assert.Contains("cancelled", output);
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(File.Exists($"/proc/{child}/stat") && File.ReadAllText($"/proc/{child}/stat").Split(' ')[2] != "Z", "the trainer's child survived Ctrl-C");
        Assert.False(File.Exists(Path.Combine(_world.ArtifactsDir, "demo", "current.json")));
        Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(_world.ArtifactsDir, "demo", "runs"), "*", SearchOption.AllDirectories), f => f.EndsWith("model.onnx", StringComparison.Ordinal));
    }
}

public sealed class TrainerSecretTests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task A_trainer_never_sees_the_pipeline_secrets_and_the_ci_log_masks_them()
    {
        const string canary = "canary-zoo-token-7d1f3a";
        File.WriteAllText(Path.Combine(_world.Root, "pipeline.json"), """{ "zoo": { "tokenEnv": "MP_TEST_ZOO_TOKEN" } }""");
        var dir = _world.WriteModel("demo", """
            {
              "name": "demo", "description": "d", "owners": ["o"], "data": [],
              "training": { "backend": "local", "command": ["sh", "train.sh"] },
              "artifacts": { "format": "onnx", "files": ["model.onnx"] }, "validation": {}, "serving": { "runtime": "onnx" }
            }
            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "train.sh"), "echo \"token=[${MP_TEST_ZOO_TOKEN:-unset}]\"; echo x > \"$MP_OUTPUT_DIR/model.onnx\"");
        var env = new Dictionary<string, string?> { ["MP_TEST_ZOO_TOKEN"] = canary, ["GITHUB_ACTIONS"] = "true" };
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, ["fetch"], env)).ExitCode);

        var result = await Modelpipe.RunAsync(_world.Root, ["train"], env);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("token=[unset]", result.StdOut);
        Assert.StartsWith($"::add-mask::{canary}", result.StdOut, StringComparison.Ordinal);
        Assert.Equal(1, result.All.Split(canary).Length - 1);
    }
}
