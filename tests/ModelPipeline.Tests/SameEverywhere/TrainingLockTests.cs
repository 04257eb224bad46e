using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.SameEverywhere;

public sealed class TrainingLockTests
{
    [Fact]
    public async Task Parallel_train_runs_in_one_workspace_train_a_key_once_and_the_second_reuses_it()
    {
        using var world = new TestWorld();
        var dir = world.WriteModel("demo", """
            {
              "name": "demo", "description": "d", "owners": ["ml@example.com"],
              "data": [ { "name": "table", "file": "data.csv" } ],
              "training": { "backend": "local", "command": ["sh", "-c", "echo run >> ../../runs.log; sleep 2; printf w > \"$MP_OUTPUT_DIR/model.onnx\""], "timeoutSeconds": 60 },
              "artifacts": { "format": "onnx", "files": ["model.onnx"] },
              "validation": {},
              "serving": { "runtime": "onnx" }
            }
            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "data.csv"), "x\n1\n");
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "fetch")).ExitCode);
        var counter = Path.Combine(world.Root, "runs.log");

        var runs = await Task.WhenAll(Modelpipe.RunAsync(world.Root, "train", "--json"), Modelpipe.RunAsync(world.Root, "train", "--json"));

        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.All));
        Assert.Equal(["run"], await File.ReadAllLinesAsync(counter));
        Assert.Single(runs, r => r.StdOut.Contains("\"result\": \"skipped\"", StringComparison.Ordinal));
    }
}
