using System.Text;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Models;

/// <summary>model.json and pipeline.json are bounded (1 MiB, string lengths) and strictly UTF-8.</summary>
public sealed class DefinitionLimitsTests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    private static string Definition(string description) => $$"""
        {
          "name": "demo", "description": "{{description}}", "owners": ["a@example.com"],
          "data": [ { "name": "d", "file": "data.csv" } ],
          "training": { "backend": "local", "command": ["true"] },
          "artifacts": { "format": "onnx", "files": ["model.onnx"] },
          "validation": {}, "serving": { "runtime": "onnx" }
        }
        """;

    private string WriteDemo(byte[] json)
    {
        var dir = _world.WriteModel("demo", "");
        File.WriteAllBytes(Path.Combine(dir, "model.json"), json);
        File.WriteAllText(Path.Combine(dir, "data.csv"), "a,b\n1,2\n");
        return dir;
    }

    [Fact]
    public async Task A_50_MB_model_json_is_refused_with_exit_2_before_it_is_read_and_nothing_is_written()
    {
        var dir = WriteDemo([]);
        await using (var file = File.Create(Path.Combine(dir, "model.json")))
        {
            var (head, tail) = Split(Definition("@@"));
            file.Write(head);
            var chunk = Encoding.ASCII.GetBytes(new string('x', 1 << 20));
            for (var i = 0; i < 50; i++) file.Write(chunk);
            file.Write(tail);
        }
        var before = _world.Files();

        foreach (var verb in new[] { "check", "train" })
        {
            var result = await Modelpipe.RunAsync(_world.Root, verb);
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("model 'demo', models/demo/model.json: the file is 52429", result.StdErr);
            Assert.Contains("over the limit of 1048576 bytes (1 MiB) for a definition file; it was not read. Fix:", result.StdErr);
        }
        Assert.Equal(before, _world.Files());
    }

    [Fact]
    public async Task A_string_over_the_length_limit_is_refused_with_its_json_path()
    {
        WriteDemo(Encoding.UTF8.GetBytes(Definition(new string('x', 9000))));
        var before = _world.Files();
        var result = await Modelpipe.RunAsync(_world.Root, "train");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("models/demo/model.json: $.description: a string of 9000 characters, over the limit of 8192. Fix:", result.StdErr);
        Assert.Equal(before, _world.Files());
    }

    [Fact]
    public async Task Invalid_utf8_in_model_json_is_refused_with_its_byte_offset_not_replaced()
    {
        var (head, tail) = Split(Definition("caf@@ model"));
        WriteDemo([.. head, 0xE9, .. tail]); // Latin-1 'é'
        var before = _world.Files();

        var result = await Modelpipe.RunAsync(_world.Root, "check");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"models/demo/model.json: invalid UTF-8 at byte offset {head.Length} (line 2): bytes 0xE920", result.StdErr);
        Assert.Contains("Fix: save the file as UTF-8", result.StdErr);
        Assert.DoesNotContain("\uFFFD", result.All);
        Assert.Equal(before, _world.Files());
    }

    [Fact]
    public async Task A_byte_order_mark_is_still_accepted()
    {
        WriteDemo([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Definition("café model"))]);
        var result = await Modelpipe.RunAsync(_world.Root, "check");
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task An_oversized_or_invalid_utf8_pipeline_json_exits_2_and_writes_nothing()
    {
        WriteDemo(Encoding.UTF8.GetBytes(Definition("demo")));
        var path = Path.Combine(_world.Root, "pipeline.json");

        var head = "{ \"zoo\": { \"authorName\": \""u8.ToArray();
        File.WriteAllBytes(path, [.. head, 0xFF, 0xFE, .. "\" } }"u8]);
        var before = _world.Files();
        var result = await Modelpipe.RunAsync(_world.Root, "check");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"pipeline.json: invalid UTF-8 at byte offset {head.Length} (line 1): bytes 0xFFFE", result.StdErr);
        Assert.Equal(before, _world.Files());

        File.WriteAllText(path, "{ \"zoo\": { \"authorName\": \"" + new string(' ', 2 << 20) + "\" } }");
        result = await Modelpipe.RunAsync(_world.Root, "fetch");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("pipeline.json: the file is 2097", result.StdErr);
        Assert.Equal(before, _world.Files());

        File.WriteAllText(path, "{ \"zoo\": { \"authorName\": \"" + new string('n', 9000) + "\" } }");
        result = await Modelpipe.RunAsync(_world.Root, "fetch");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("pipeline.json: $.zoo.authorName: a string of 9000 characters, over the limit of 8192", result.StdErr);
        Assert.Equal(before, _world.Files());
    }

    private static (byte[] Head, byte[] Tail) Split(string text)
    {
        var at = text.IndexOf("@@", StringComparison.Ordinal);
        return (Encoding.UTF8.GetBytes(text[..at]), Encoding.UTF8.GetBytes(text[(at + 2)..]));
    }
}
