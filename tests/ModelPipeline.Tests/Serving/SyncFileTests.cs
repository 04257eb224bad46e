using ModelPipeline.Errors;
using ModelPipeline.Serving;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Serving;

public sealed class SyncFileTests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    private string Write(string json)
    {
        var path = Path.Combine(_world.Root, "sync.json");
        File.WriteAllText(path, json);
        return path;
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        {
            """{ "zoo": { "url": "zoo.git" }, "root": "r", "follow": ["demo@prod"], "colour": 1 }""",
            "$.colour: unknown field 'colour'. Fix: remove it or correct its spelling; " +
            "pipelines/serving/sync.schema.json (docs/serving.md) lists"
        },
        { """{ "zoo": { "url": "zoo.git" }, "root": "r" }""", "missing required field 'follow'" },
        { """{ "zoo": { "url": "zoo.git" }, "root": "r", "follow": ["demo"] }""", "$.follow[0]: 'demo' has no '@REF'" },
        { """{ "zoo": { "url": "zoo.git" }, "root": "r", "follow": ["demo@prod", "demo@v2"] }""", "$.follow[1]: 'demo@v2' follows demo a second time" },
        { """{ "zoo": { "url": "zoo.git" }, "root": "r", "follow": ["demo@Prod!"] }""", "'Prod!' is not a version (vN), an alias or an image digest" },
        { """{ "zoo": { "url": "zoo.git" }, "root": "r", "follow": ["../../etc@prod"] }""", "names the folder '../../etc', which would leave the serving root; refused" },
        { """{ "zoo": { "url": "zoo.git" }, "root": "r", "follow": ["demo@prod"], "schedule": { "cron": "61 * * * *" } }""", "$.schedule.cron: '61 * * * *' is not a cron expression" },
        { """{ "zoo": { "url": "zoo.git" }, "root": "r", "follow": ["demo@prod"], "schedule": { "timeZone": "Mars/Olympus_Mons" } }""", "$.schedule.timeZone: 'Mars/Olympus_Mons' is not a time zone" },
        { """{ "zoo": { "url": "https://bob:secret@zoo.example/zoo.git" }, "root": "r", "follow": ["demo@prod"] }""", "$.zoo.url: the URL https://***@zoo.example/zoo.git embeds credentials" },
        { """{ "zoo": { "url": "zoo.git", "tokenEnv": "MP_SYNC_TEST_UNSET_TOKEN" }, "root": "r", "follow": ["demo@prod"] }""", "$.zoo.tokenEnv: the environment variable MP_SYNC_TEST_UNSET_TOKEN is not set" },
        { """{ "zoo": { "url": "zoo.git" }, "root": "r", "follow": ["demo@prod"], "files": { "mode": "999" } }""", "$.files.mode: '999' is not an octal file mode" },
        { """{ "zoo": { "url": "zoo.git" }, "root": "r", "follow": ["demo@prod"], """, "malformed JSON at line 1" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void A_bad_sync_file_is_refused_naming_the_field_and_the_fix(string json, string message)
    {
        var path = Write(json);

        var ex = Assert.Throws<InvalidInputException>(() => SyncFileLoader.Load(path));

        Assert.Equal(2, ex.ExitCode);
        Assert.Contains(message, ex.Message);
        Assert.Contains("Fix", ex.Message);
    }

    [Fact]
    public void A_bad_cron_expression_does_not_hide_a_bad_time_zone()
    {
        var path = Write("""
            { "zoo": { "url": "zoo.git" }, "root": "r", "follow": ["demo@prod"], "schedule": { "cron": "61 * * * *", "timeZone": "Mars/Olympus_Mons" } }
            """);

        var ex = Assert.Throws<InvalidInputException>(() => SyncFileLoader.Load(path));

        Assert.Equal(2, ex.Problems.Count);
        Assert.Contains(ex.Problems, p => p.Contains("$.schedule.cron: '61 * * * *' is not a cron expression", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("$.schedule.timeZone: 'Mars/Olympus_Mons' is not a time zone", StringComparison.Ordinal));
        Assert.All(ex.Problems, p => Assert.Contains("Fix:", p, StringComparison.Ordinal));
    }

    [Fact]
    public void The_shipped_example_sync_file_is_valid_and_paths_are_relative_to_it()
    {
        var example = File.ReadAllText(Path.Combine(TestWorld.RepoRoot(), "pipelines", "serving", "sync.example.json"));
        var unset = Assert.Throws<InvalidInputException>(() => SyncFileLoader.Load(Write(example)));
        Assert.Equal(["sync.json $.zoo.tokenEnv: the environment variable ZOO_TOKEN is not set. Fix: export ZOO_TOKEN=<token> for this service, or remove tokenEnv."], unset.Problems);
        var node = System.Text.Json.Nodes.JsonNode.Parse(example)!;
        node["zoo"]!.AsObject().Remove("tokenEnv");

        var sync = SyncFileLoader.Load(Write(node.ToJsonString()));

        Assert.Equal(["iris@prod"], sync.Follow.Select(f => f.Text));
        Assert.True(Path.IsPathRooted(sync.Root));
        Assert.NotNull(sync.Hook);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, sync.Files.Mode);
    }

    [Fact]
    public async Task A_sync_file_entry_that_would_leave_the_serving_root_exits_2_and_writes_nothing()
    {
        var path = Write("""{ "zoo": { "url": ".pipeline/zoo.git" }, "root": "serving", "follow": ["demo@prod", "../../etc@prod"] }""");
        var before = _world.Files();

        var result = await Modelpipe.RunAsync(_world.Root, "sync", "--file", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("sync.json $.follow[1]: '../../etc@prod' names the folder '../../etc', which would leave the serving root; refused", result.StdErr);
        Assert.Contains("nothing was synced", result.StdErr);
        Assert.False(Directory.Exists(Path.Combine(_world.Root, "serving")));
        Assert.Equal(before, _world.Files());
    }

    [Fact]
    public async Task Once_and_daemon_together_exit_2()
    {
        var path = Write("""{ "zoo": { "url": ".pipeline/zoo.git" }, "root": "serving", "follow": ["demo@prod"] }""");

        var result = await Modelpipe.RunAsync(_world.Root, "sync", "--file", path, "--once", "--daemon");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--once and --daemon exclude each other", result.StdErr);
        Assert.False(Directory.Exists(Path.Combine(_world.Root, "serving")));
    }
}
