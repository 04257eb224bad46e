using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Cli;

public sealed class OutputTests : IDisposable
{
    private readonly TestWorld _world = new();

    public OutputTests() => _world.WriteModel("demo", """
        {
          "name": "demo", "description": "d", "owners": ["o"], "data": [],
          "training": { "backend": "local", "command": ["true"] },
          "artifacts": { "format": "onnx", "files": ["model.onnx"] }, "validation": {}, "serving": { "runtime": "onnx" }
        }
        """);

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task In_github_actions_steps_are_grouped_errors_annotated_and_the_summary_goes_to_the_job_summary()
    {
        var summary = Path.Combine(_world.Root, "summary.md");
        var env = new Dictionary<string, string?> { ["GITHUB_ACTIONS"] = "true", ["GITHUB_STEP_SUMMARY"] = summary };
        var result = await Modelpipe.RunAsync(_world.Root, ["validate"], env);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("::group::validate demo", result.StdOut);
        Assert.Contains("::endgroup::", result.StdOut);
        Assert.Contains("::error title=demo::model 'demo' has not been trained", result.StdOut);
        Assert.Contains("| demo | validate | failed |", File.ReadAllText(summary));
    }

    [Fact]
    public async Task In_gitlab_ci_steps_are_collapsible_sections()
    {
        var result = await Modelpipe.RunAsync(_world.Root, ["check"], new Dictionary<string, string?> { ["GITLAB_CI"] = "true" });
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"section_start:\d+:check_demo\[collapsed=true\]", result.StdOut);
        Assert.Matches(@"section_end:\d+:check_demo", result.StdOut);
    }

    [Fact]
    public async Task Json_output_is_a_parseable_document_on_stdout()
    {
        var result = await Modelpipe.RunAsync(_world.Root, "check", "--json");
        Assert.Equal(0, result.ExitCode);
        using var doc = System.Text.Json.JsonDocument.Parse(result.StdOut);
        Assert.Equal("check", doc.RootElement.GetProperty("command").GetString());
        Assert.Equal("demo", doc.RootElement.GetProperty("results")[0].GetProperty("model").GetString());
    }
}
