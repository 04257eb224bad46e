using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Training;

/// <summary>Training output is regular files and folders inside the output folder; links are refused, never followed.</summary>
public sealed class TrainingOutputTests : IDisposable
{
    private const string ShadowLike = "root:$6$CANARY-SHADOW-4f9e2a$Xy:19000:0:99999:7:::\n";
    private readonly TestWorld _world = new();
    private readonly string _outside;

    public TrainingOutputTests()
    {
        _outside = Path.Combine(_world.Root, "outside");
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Combine(_outside, "shadow"), ShadowLike);
        File.WriteAllText(Path.Combine(_outside, "metrics.json"), """{ "accuracy": 0.99 }""");
        File.WriteAllText(Path.Combine(_outside, "model.onnx"), "outside weights");
    }

    public void Dispose() => _world.Dispose();

    private string ModelDir => Path.Combine(_world.Root, "models", "demo");
    private string ModelArtifacts => Path.Combine(_world.ArtifactsDir, "demo");

    private async Task WriteModelAsync(string script)
    {
        var dir = _world.WriteModel("demo", """
            {
              "name": "demo", "description": "d", "owners": ["o"], "data": [],
              "training": { "backend": "local", "command": ["sh", "train.sh"] },
              "artifacts": { "format": "onnx", "files": ["model.onnx", "metrics.json"] },
              "validation": { "metrics": { "accuracy": { "min": 0.5 } } },
              "serving": { "runtime": "onnx" }
            }
            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "train.sh"), $"set -e\nOUT=\"$MP_OUTPUT_DIR\"\nOUTSIDE='{_outside}'\n{script}\n");
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "fetch")).ExitCode);
    }

    private void AssertNothingKept()
    {
        Assert.False(File.Exists(Path.Combine(ModelArtifacts, "current.json")));
        var runs = Path.Combine(ModelArtifacts, "runs");
        Assert.Empty(Directory.Exists(runs) ? Directory.GetDirectories(runs, "output*", SearchOption.AllDirectories) : []);
        Assert.Empty(Directory.Exists(runs) ? Directory.GetFiles(runs, "*.json", SearchOption.AllDirectories) : []);
        Assert.Equal(ShadowLike, File.ReadAllText(Path.Combine(_outside, "shadow")));
    }

    [Theory]
    [InlineData("echo w > \"$OUT/model.onnx\"; ln -s \"$OUTSIDE/shadow\" \"$OUT/metrics.json\"", "metrics.json is a symbolic link (to ")]
    [InlineData("ln -s \"$OUTSIDE/model.onnx\" \"$OUT/model.onnx\"; echo '{\"accuracy\": 1}' > \"$OUT/metrics.json\"", "model.onnx is a symbolic link (to ")]
    [InlineData("echo w > \"$OUT/real.onnx\"; ln -s real.onnx \"$OUT/model.onnx\"; echo '{\"accuracy\": 1}' > \"$OUT/metrics.json\"", "model.onnx is a symbolic link (to real.onnx); links are refused, whether they point inside the folder or out of it")]
    [InlineData("mkdir \"$OUT/sub\"; ln -s \"$OUTSIDE\" \"$OUT/sub/escape\"; echo w > \"$OUT/model.onnx\"; echo '{\"accuracy\": 1}' > \"$OUT/metrics.json\"", "sub/escape is a symbolic link (to ")]
    [InlineData("echo w > \"$OUT/model.onnx\"; mkfifo \"$OUT/metrics.json\"", "metrics.json is not a regular file (a FIFO, socket or device)")]
    public async Task A_trainer_that_leaves_links_or_special_files_fails_training_and_nothing_is_kept(string script, string expected)
    {
        await WriteModelAsync(script);

        var result = await Modelpipe.RunAsync(_world.Root, "train");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the training output must be regular files and folders inside the output folder; nothing was read or kept from it:", result.All);
        Assert.Contains(expected, result.All);
        Assert.Contains("Fix: have the trainer write (or copy, e.g. cp --dereference) real files", result.All);
        Assert.DoesNotContain("CANARY-SHADOW", result.All);
        AssertNothingKept();
    }

    [Fact]
    public async Task A_trainer_that_replaces_its_output_folder_with_a_link_is_refused_and_the_target_is_untouched()
    {
        await WriteModelAsync("rm -rf \"$OUT\"; ln -s \"$OUTSIDE\" \"$OUT\"");

        var result = await Modelpipe.RunAsync(_world.Root, "train");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the output folder itself was replaced by a symbolic link to", result.All);
        AssertNothingKept();
        Assert.Equal(["metrics.json", "model.onnx", "shadow"], Directory.GetFiles(_outside).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task A_link_planted_after_training_fails_the_gate_without_reading_it_and_later_steps_refuse()
    {
        await WriteModelAsync("echo w > \"$OUT/model.onnx\"; echo '{\"accuracy\": 0.9}' > \"$OUT/metrics.json\"");
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "train")).ExitCode);
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "validate")).ExitCode);
        var output = Directory.GetDirectories(Path.Combine(ModelArtifacts, "runs"), "output", SearchOption.AllDirectories).Single();
        File.Delete(Path.Combine(output, "metrics.json"));
        File.CreateSymbolicLink(Path.Combine(output, "metrics.json"), Path.Combine(_outside, "shadow"));

        // A later step re-checks the output it would read, even with a passing report.
        var package = await Modelpipe.RunAsync(_world.Root, "package");
        Assert.Equal(1, package.ExitCode);
        Assert.Contains("metrics.json is a symbolic link (to ", package.All);
        Assert.False(Directory.Exists(Path.Combine(_world.Root, ".pipeline", "oci")));

        var validate = await Modelpipe.RunAsync(_world.Root, "validate");
        Assert.Equal(1, validate.ExitCode);
        Assert.Contains("output-files: metrics.json is a symbolic link (to ", validate.All);
        Assert.Contains("no file was read", validate.All);
        Assert.DoesNotContain("CANARY-SHADOW", validate.All);
        var reportPath = Path.Combine(Path.GetDirectoryName(output)!, "validate.json");
        var reportText = File.ReadAllText(reportPath);
        Assert.DoesNotContain("CANARY-SHADOW", reportText);
        using var report = JsonDocument.Parse(reportText);
        Assert.False(report.RootElement.GetProperty("passed").GetBoolean());
        Assert.Empty(report.RootElement.GetProperty("manifest").EnumerateArray());
        Assert.Equal(ShadowLike, File.ReadAllText(Path.Combine(_outside, "shadow")));
    }
}
