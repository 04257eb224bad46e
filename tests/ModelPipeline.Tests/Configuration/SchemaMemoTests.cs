using System.Collections;
using System.Text.Json.Nodes;
using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.RunState;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Configuration;

/// <summary>
/// The memo of documents that passed the embedded schemas: only what passed is recorded, a remembered exact text
/// skips the schema, and any other text is checked in full.
/// </summary>
public sealed class SchemaMemoTests : IDisposable
{
    private readonly TestWorld _world = new();
    private readonly string _home = Directory.CreateTempSubdirectory("mp-memo-home-").FullName;

    public void Dispose()
    {
        _world.Dispose();
        Directory.Delete(_home, recursive: true);
    }

    private string MemoFile => Path.Combine(_home, ".cache", "modelpipe", "schema-passed");

    private string[] Remembered() => File.Exists(MemoFile) ? File.ReadAllLines(MemoFile) : [];

    private void Settings(string json) => File.WriteAllText(Path.Combine(_world.Root, "pipeline.json"), json);

    [Fact]
    public void Only_settings_that_passed_are_remembered_and_a_remembered_text_skips_the_schema()
    {
        var env = new Hashtable { ["HOME"] = _home, ["MODELPIPE_FETCH__RETRIES"] = "4" };
        Settings("""{ "fetch": { "timeoutSeconds": 30 } }""");
        Assert.Equal(4, ConfigLoader.Load(_world.Root, environment: env).Fetch.Retries);
        SchemaMemo.Flush();
        Assert.Single(Remembered());

        // A setting the schema does not know: refused, and not remembered, however often it is loaded.
        const string unknown = """{ "fetch": { "timeoutSecond": 30 } }""";
        Settings(unknown);
        for (var i = 0; i < 2; i++)
        {
            var ex = Assert.Throws<InvalidInputException>(() => ConfigLoader.Load(_world.Root, environment: env));
            Assert.Contains("timeoutSecond", ex.Message);
            SchemaMemo.Flush();
        }
        Assert.Single(Remembered());

        // The memo is what is trusted: an entry for exactly this text (written here by hand, in another cache folder
        // that this process has not read yet) skips the schema, which is how a process with known settings never
        // builds the validator. Any other text is checked again.
        var merged = JsonNode.Parse(unknown)!.AsObject();
        merged["fetch"]!["retries"] = 4;
        var cache = Path.Combine(_home, "other");
        Directory.CreateDirectory(Path.Combine(cache, "modelpipe"));
        File.WriteAllText(Path.Combine(cache, "modelpipe", "schema-passed"),
            SchemaMemo.Key("pipeline.schema.json", merged.ToJsonString()) + "\n");
        var fresh = new Hashtable { ["XDG_CACHE_HOME"] = cache, ["MODELPIPE_FETCH__RETRIES"] = "4" };
        Assert.Equal(4, ConfigLoader.Load(_world.Root, environment: fresh).Fetch.Retries);
        var other = new Hashtable { ["XDG_CACHE_HOME"] = cache, ["MODELPIPE_FETCH__RETRIES"] = "5" };
        Assert.Throws<InvalidInputException>(() => ConfigLoader.Load(_world.Root, environment: other));
    }

    /// <summary>
    /// Two processes ending together both keep their entries: one that finds the memo locked waits, then merges what
    /// the other wrote. The test plays the other process: it holds the lock and adds its own entry meanwhile.
    /// </summary>
    [Fact]
    public async Task A_process_ending_while_another_writes_the_memo_waits_and_keeps_the_others_entry()
    {
        var cache = Path.Combine(_home, "shared");
        var env = new Hashtable { ["XDG_CACHE_HOME"] = cache };
        var file = Path.Combine(cache, "modelpipe", "schema-passed");
        Assert.True(SchemaMemo.Check("test.schema.json", "ours", () => true, env));

        var theirs = SchemaMemo.Key("test.schema.json", "theirs");
        Task flush;
        using (var held = await FileLock.AcquireAsync(file + ".lock", TimeSpan.FromSeconds(5), "test", default))
        {
            flush = Task.Run(SchemaMemo.Flush);
            await Task.Delay(400);
            Assert.False(flush.IsCompleted, "the flush did not wait for the lock");
            File.WriteAllText(file, theirs + "\n");
        }
        await flush.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([theirs, SchemaMemo.Key("test.schema.json", "ours")], File.ReadAllLines(file));
    }

    /// <summary>
    /// Settings remembered as passed without their environment overrides pass with overrides that each set one value
    /// its setting accepts, and the validator is not built. The settings here hold a setting the schema does not know,
    /// and the memo vouches for them by hand, so they load only when the validator is skipped; every other kind of
    /// override sends them to the validator, which reports the unknown setting.
    /// </summary>
    [Fact]
    public void Settings_remembered_without_their_overrides_skip_the_schema_only_for_values_their_settings_accept()
    {
        const string text = """{ "fetch": { "timeoutSecond": 30 }, "modelcar": { "destination": "oci-layout" } }""";
        Settings(text);
        var cache = Path.Combine(_home, "vouched");
        Directory.CreateDirectory(Path.Combine(cache, "modelpipe"));
        File.WriteAllText(Path.Combine(cache, "modelpipe", "schema-passed"),
            SchemaMemo.Key("pipeline.schema.json", JsonNode.Parse(text)!.ToJsonString()) + "\n");
        Hashtable Env(params string[] pairs)
        {
            var env = new Hashtable { ["XDG_CACHE_HOME"] = cache };
            for (var i = 0; i < pairs.Length; i += 2) env[pairs[i]] = pairs[i + 1];
            return env;
        }

        var config = ConfigLoader.Load(_world.Root, environment: Env("MODELPIPE_FETCH__RETRIES", "4",
            "MODELPIPE_MODELCAR__DESTINATION", "registry", "MODELPIPE_MODELCAR__REPOSITORY", "127.0.0.1:5000/bench"));
        Assert.Equal((4, "registry", "127.0.0.1:5000/bench"),
            (config.Fetch.Retries, config.ModelCar.Destination, config.ModelCar.Repository));
        SchemaMemo.Flush();
        Assert.Single(File.ReadAllLines(Path.Combine(cache, "modelpipe", "schema-passed"))); // not remembered as well

        foreach (var (why, env) in new[]
        {
            ("above the maximum", Env("MODELPIPE_FETCH__RETRIES", "11")),
            ("not a whole number", Env("MODELPIPE_FETCH__RETRIES", "1.5")),
            ("not in the enum", Env("MODELPIPE_MODELCAR__DESTINATION", "registyr")),
            ("against the pattern", Env("MODELPIPE_MODELCAR__REPOSITORY", "Bench")),
            ("not ASCII", Env("MODELPIPE_MODELCAR__REPOSITORY", "127.0.0.1:5000/bénch")),
            ("a name the schema lacks", Env("MODELPIPE_MODELCAR__NOSUCHSETTING", "1")),
            ("an object the settings lack", Env("MODELPIPE_ZOO__BRANCH", "main")),
            ("an array element", Env("MODELPIPE_ZOO__MIRRORS__0__URL", "https://example.com/zoo.git")),
            ("one accepted, one not", Env("MODELPIPE_FETCH__RETRIES", "4", "MODELPIPE_FETCH__TIMEOUTSECONDS", "0")),
        })
        {
            var ex = Assert.Throws<InvalidInputException>(() => ConfigLoader.Load(_world.Root, environment: env));
            Assert.True(ex.Message.Contains("timeoutSecond", StringComparison.Ordinal), $"{why}: {ex.Message}");
        }
    }

    [Fact]
    public async Task A_model_json_is_remembered_once_it_passed_and_a_changed_one_is_checked_in_full()
    {
        _world.CopyModel("iris");
        var env = new Dictionary<string, string?> { ["HOME"] = _home, ["XDG_CACHE_HOME"] = null };
        var first = await Modelpipe.RunAsync(_world.Root, ["check"], env);
        Assert.True(first.ExitCode == 0, first.All);
        Assert.Equal(2, Remembered().Length); // the settings and iris's model.json

        var again = await Modelpipe.RunAsync(_world.Root, ["check"], env);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Equal(2, Remembered().Length);

        var definition = Path.Combine(_world.Root, "models", "iris", "model.json");
        var json = JsonNode.Parse(File.ReadAllText(definition))!.AsObject();
        json["owners"] = new JsonArray();
        File.WriteAllText(definition, json.ToJsonString());
        var broken = await Modelpipe.RunAsync(_world.Root, ["check"], env);
        Assert.Equal(2, broken.ExitCode);
        Assert.Contains("owners", broken.All);
        Assert.Equal(2, Remembered().Length);

        // A damaged memo is only a memo that knows nothing.
        File.WriteAllText(MemoFile, "not a digest\n\0\0\n");
        json["owners"] = new JsonArray("team@example.com");
        File.WriteAllText(definition, json.ToJsonString());
        var mended = await Modelpipe.RunAsync(_world.Root, ["check"], env);
        Assert.True(mended.ExitCode == 0, mended.All);
        Assert.Equal(2, Remembered().Length);
    }
}
