using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Models;

public sealed class ModelDefinitionTests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    private const string Valid = """
        {
          "name": "demo",
          "description": "demo model",
          "owners": ["a@example.com"],
          "data": [ { "name": "d", "file": "data.csv" } ],
          "training": { "backend": "local", "command": ["true"], "timeoutSeconds": 10 },
          "artifacts": { "format": "onnx", "files": ["model.onnx"] },
          "validation": { "onnxModel": "model.onnx" },
          "serving": { "runtime": "onnx" }
        }
        """;

    private string WriteDemo(string json)
    {
        var dir = _world.WriteModel("demo", json);
        File.WriteAllText(Path.Combine(dir, "data.csv"), "a,b\n1,2\n");
        return dir;
    }

    [Fact]
    public async Task A_valid_definition_passes_check()
    {
        WriteDemo(Valid);
        var result = await Modelpipe.RunAsync(_world.Root, "check");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("definition valid", result.StdOut);
    }

    [Fact]
    public async Task Malformed_json_names_the_file_and_line_and_exits_2_writing_nothing()
    {
        WriteDemo("{\n  \"name\": \"demo\",\n  \"description\" \"x\"\n}");
        var before = _world.Files();
        var result = await Modelpipe.RunAsync(_world.Root, "fetch");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("models/demo/model.json: malformed JSON at line 3", result.StdErr);
        Assert.Contains("Fix:", result.StdErr);
        Assert.Equal(before, _world.Files());
    }

    [Fact]
    public async Task Every_schema_problem_of_a_file_is_reported_at_once()
    {
        var json = Valid
            .Replace("\"timeoutSeconds\": 10", "\"timeoutSeconds\": \"ten\"")
            .Replace("\"owners\": [\"a@example.com\"],", "\"owner\": \"a@example.com\",");
        WriteDemo(json);
        var before = _world.Files();
        var result = await Modelpipe.RunAsync(_world.Root, "train");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("model 'demo', models/demo/model.json: $.training.timeoutSeconds: expected a whole number", result.StdErr);
        Assert.Contains("$.owner: unknown field 'owner'", result.StdErr);
        Assert.Contains("missing required field 'owners'", result.StdErr);
        Assert.Contains("models/model.schema.json (docs/model-json.md) lists the allowed fields", result.StdErr);
        Assert.Contains("3 problems", result.StdErr);
        Assert.Equal(before, _world.Files());
    }

    [Fact]
    public async Task A_schema_error_does_not_hide_the_path_and_folder_name_problems_and_each_has_a_fix()
    {
        var json = Valid
            .Replace("\"name\": \"demo\"", "\"name\": \"other\"")
            .Replace("\"owners\": [\"a@example.com\"]", "\"owners\": []")
            .Replace("\"file\": \"data.csv\"", "\"file\": \"../../pipeline.json\"")
            .Replace("\"files\": [\"model.onnx\"]", "\"files\": [\"model.onnx\", \"../escape.bin\"]");
        WriteDemo(json);
        var before = _world.Files();

        var result = await Modelpipe.RunAsync(_world.Root, "check");

        Assert.Equal(2, result.ExitCode);
        var problems = result.StdErr.Split('\n').Where(l => l.StartsWith("  - ", StringComparison.Ordinal)).ToList();
        Assert.Contains(problems, p => p.Contains("$.owners: needs at least 1 owner. Fix:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("$.name: 'other' does not match its folder 'models/demo'. Fix:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("$.data[0].file: '../../pipeline.json' contains '..'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("$.artifacts.files[1]: '../escape.bin' contains '..'", StringComparison.Ordinal));
        Assert.Equal(4, problems.Count);
        Assert.All(problems, p => Assert.Contains("Fix:", p, StringComparison.Ordinal));
        Assert.Equal(before, _world.Files());
    }

    [Theory]
    [InlineData("\"name\": \"demo\"", "\"name\": \"Demo_Model\"", "$.name: not a valid name (DNS-1123 label)")]
    [InlineData("\"file\": \"data.csv\"", "\"file\": \"../../pipeline.json\"", "$.data[0].file: '../../pipeline.json' contains '..'")]
    [InlineData("\"file\": \"data.csv\"", "\"file\": \"/etc/passwd\"", "$.data[0].file: '/etc/passwd' is absolute")]
    [InlineData("\"file\": \"data.csv\"", "\"url\": \"https://example.com/d.csv\"", "$.data[0].sha256: a \"url\" source needs \"sha256\"")]
    [InlineData("\"command\": [\"true\"], ", "", "$.training.command: the local backend needs a command")]
    [InlineData("\"backend\": \"local\"", "\"backend\": \"sagemaker\"", "$.training.backend: value is not allowed. Fix: use one of 'local'")]
    [InlineData("\"runtime\": \"onnx\"", "\"runtime\": \"onnx\", \"values\": { \"minReplicas\": 3, \"maxReplicas\": 2 }", "$.serving.values.minReplicas: 3 is greater than maxReplicas 2")]
    [InlineData("\"runtime\": \"onnx\"", "\"runtime\": \"onnx\", \"values\": { \"maxReplicas\": \"two\" }", "$.serving.values.maxReplicas: expected a whole number of at least 0, found \"two\"")]
    public async Task A_bad_field_gets_one_clear_message_with_path_and_fix(string from, string to, string expected)
    {
        WriteDemo(Valid.Replace(from, to));
        var before = _world.Files();
        var result = await Modelpipe.RunAsync(_world.Root, "fetch");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.StdErr);
        Assert.Contains("models/demo/model.json", result.StdErr);
        Assert.Equal(before, _world.Files());
    }

    [Fact]
    public async Task A_data_file_that_escapes_through_a_symlink_is_refused()
    {
        var dir = WriteDemo(Valid.Replace("\"file\": \"data.csv\"", "\"file\": \"link/secret.txt\""));
        var outside = Directory.CreateDirectory(Path.Combine(_world.Root, "outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "secret.txt"), "s");
        Directory.CreateSymbolicLink(Path.Combine(dir, "link"), outside);
        var result = await Modelpipe.RunAsync(_world.Root, "fetch");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("$.data[0].file: 'link/secret.txt' resolves through a symbolic link to a place outside the model folder", result.StdErr);
        Assert.False(Directory.Exists(Path.Combine(_world.Root, "artifacts")));
    }

    [Fact]
    public async Task A_training_sources_link_to_root_is_refused_by_check_naming_model_file_and_field()
    {
        var dir = WriteDemo(Valid.Replace("\"timeoutSeconds\": 10", "\"timeoutSeconds\": 10, \"sources\": [\"src\"]"));
        Directory.CreateDirectory(Path.Combine(dir, "src", "lib"));
        File.WriteAllText(Path.Combine(dir, "src", "train.py"), "print(1)\n");
        // A link that stays inside the model folder is fine.
        File.CreateSymbolicLink(Path.Combine(dir, "src", "lib", "data.csv"), Path.Combine("..", "..", "data.csv"));
        var inside = await Modelpipe.RunAsync(_world.Root, "check");
        Assert.True(inside.ExitCode == 0, inside.All);

        Directory.CreateSymbolicLink(Path.Combine(dir, "src", "lib", "rootlink"), "/root");
        var before = _world.Files();
        var check = await Modelpipe.RunAsync(_world.Root, "check");
        var train = await Modelpipe.RunAsync(_world.Root, "train");

        Assert.Equal(2, check.ExitCode);
        Assert.Contains("models/demo/model.json: $.training.sources[0]: 'src/lib/rootlink' is a symbolic link to /root, outside the model folder",
            check.StdErr, StringComparison.Ordinal);
        Assert.Contains("Fix:", check.StdErr, StringComparison.Ordinal);
        Assert.Equal(2, train.ExitCode);
        Assert.Equal(before, _world.Files());
    }

    [Fact]
    public async Task Without_training_sources_a_link_in_the_model_folder_that_leaves_it_is_refused()
    {
        var dir = WriteDemo(Valid);
        Directory.CreateSymbolicLink(Path.Combine(dir, "hostetc"), "/etc");
        var check = await Modelpipe.RunAsync(_world.Root, "check");
        Assert.Equal(2, check.ExitCode);
        Assert.Contains("$.training.sources (default: the whole model folder): 'hostetc' is a symbolic link to /etc", check.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Selecting_an_unknown_model_lists_the_known_ones_and_exits_2()
    {
        WriteDemo(Valid);
        var result = await Modelpipe.RunAsync(_world.Root, "fetch", "--model", "nope");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--model nope: no such model", result.StdErr);
        Assert.Contains("Known models: demo", result.StdErr);
    }

    [Fact]
    public async Task A_name_that_differs_from_its_folder_is_refused()
    {
        WriteDemo(Valid.Replace("\"name\": \"demo\"", "\"name\": \"other\""));
        var result = await Modelpipe.RunAsync(_world.Root, "check");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("$.name: 'other' does not match its folder 'models/demo'", result.StdErr);
    }

    [Fact]
    public async Task An_unknown_option_is_a_usage_error_with_exit_2()
    {
        var result = await Modelpipe.RunAsync(_world.Root, "fetch", "--bogus");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--bogus", result.StdErr);
    }
}

public sealed class SafePathTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mp-safepath").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_chain_of_links_that_climbs_out_is_seen_as_outside()
    {
        var inner = Directory.CreateDirectory(Path.Combine(_dir, "model")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(inner, "s"), ".");
        Directory.CreateSymbolicLink(Path.Combine(inner, "t"), "s/..");
        Assert.Null(ModelPipeline.Models.SafePath.TryResolve(inner, "t/secret.txt", out var why));
        Assert.Contains("outside the model folder", why);
        Assert.NotNull(ModelPipeline.Models.SafePath.TryResolve(inner, "s/data.csv", out _));
    }

    [Fact]
    public void A_backslash_is_part_of_a_name_on_linux_so_a_link_named_with_one_is_resolved_as_itself()
    {
        if (OperatingSystem.IsWindows()) return; // a backslash separates there
        var inner = Directory.CreateDirectory(Path.Combine(_dir, "model")).FullName;
        Directory.CreateDirectory(Path.Combine(inner, "a"));
        File.WriteAllText(Path.Combine(inner, "a", "b"), "inside");
        File.WriteAllText(Path.Combine(_dir, "secret.txt"), "outside");
        File.CreateSymbolicLink(Path.Combine(inner, "a\\b"), Path.Combine(_dir, "secret.txt"));
        Assert.Null(ModelPipeline.Models.SafePath.TryResolve(inner, "a\\b", out var why));
        Assert.Contains("outside the model folder", why);
        Assert.NotNull(ModelPipeline.Models.SafePath.TryResolve(inner, "a/b", out _));
        var files = ModelPipeline.Models.ConfinedFiles.List(inner, ".", [], out var problem);
        Assert.Empty(files);
        Assert.Contains("outside the model folder", problem);
    }
}
