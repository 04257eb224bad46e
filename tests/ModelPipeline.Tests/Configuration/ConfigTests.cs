using System.Collections;
using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Configuration;

public sealed class ConfigTests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public void Environment_variables_override_named_settings()
    {
        var env = new Hashtable { ["MODELPIPE_FETCH__RETRIES"] = "7", ["MODELPIPE_WORKSPACE__ARTIFACTSDIR"] = "elsewhere", ["UNRELATED"] = "x" };
        var config = ConfigLoader.Load(_world.Root, environment: env);
        Assert.Equal(7, config.Fetch.Retries);
        Assert.Equal(Path.Combine(_world.Root, "elsewhere"), config.ArtifactsDir);
    }

    [Fact]
    public void Array_elements_are_overridden_by_index_as_dotnet_configuration_does()
    {
        File.WriteAllText(Path.Combine(_world.Root, "pipeline.json"),
            """{ "zoo": { "mirrors": [ { "name": "a", "url": ".pipeline/a.git" }, { "name": "b", "url": ".pipeline/b.git" } ] } }""");
        var env = new Hashtable
        {
            ["MODELPIPE_ZOO__MIRRORS__0__URL"] = "https://git.example.com/zoo.git",
            ["MODELPIPE_ZOO__MIRRORS__0__TOKENENV"] = "MIRROR_TOKEN",
            ["MODELPIPE_ZOO__MIRRORS__2__NAME"] = "c",
            ["MODELPIPE_ZOO__MIRRORS__2__URL"] = ".pipeline/c.git",
            ["MODELPIPE_FORGE__LABELS__0"] = "release",
        };

        var config = ConfigLoader.Load(_world.Root, environment: env);

        Assert.Equal(["a", "b", "c"], config.Zoo.Mirrors.Select(m => m.Name));
        Assert.Equal("https://git.example.com/zoo.git", config.Zoo.Mirrors[0].Url);
        Assert.Equal("MIRROR_TOKEN", config.Zoo.Mirrors[0].TokenEnv);
        Assert.Equal(".pipeline/b.git", config.Zoo.Mirrors[1].Url);
        Assert.Equal(".pipeline/c.git", config.Zoo.Mirrors[2].Url);
        Assert.Equal(["release"], config.Forge.Labels);
    }

    [Fact]
    public void An_array_index_that_leaves_a_gap_is_invalid_input_naming_the_variable()
    {
        var env = new Hashtable { ["MODELPIPE_ZOO__MIRRORS__3__URL"] = "x" };
        var ex = Assert.Throws<InvalidInputException>(() => ConfigLoader.Load(_world.Root, environment: env));
        Assert.Contains("MODELPIPE_ZOO__MIRRORS__3__URL: index 3 would leave a gap", ex.Message);
        Assert.Contains("Fix:", ex.Message);
    }

    [Fact]
    public void An_override_of_the_wrong_type_is_invalid_input_that_names_the_override()
    {
        var env = new Hashtable { ["MODELPIPE_FETCH__RETRIES"] = "lots" };
        var ex = Assert.Throws<InvalidInputException>(() => ConfigLoader.Load(_world.Root, environment: env));
        Assert.Contains("pipeline.json (after environment overrides): $.fetch.retries: expected a whole number", ex.Message);
        Assert.Equal(2, ex.ExitCode);
    }

    [Fact]
    public async Task An_unknown_setting_in_pipeline_json_exits_2_with_its_path()
    {
        File.WriteAllText(Path.Combine(_world.Root, "pipeline.json"), """{ "fetch": { "retry": 3 } }""");
        var result = await Modelpipe.RunAsync(_world.Root, "check");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("pipeline.json is invalid", result.StdErr);
        Assert.Contains("$.fetch.retry: unknown field 'retry'", result.StdErr);
        Assert.Contains("pipeline.schema.json (docs/pipeline-json.md) lists the allowed fields", result.StdErr);
        Assert.DoesNotContain("model.schema.json", result.StdErr);
    }

    [Fact]
    public void Registered_secrets_and_url_credentials_are_redacted()
    {
        Redactor.Register("canary-5f1e2d3c4b5a");
        var text = Redactor.Redact("token canary-5f1e2d3c4b5a at https://user:pa55@example.com/repo.git");
        Assert.DoesNotContain("canary-5f1e2d3c4b5a", text);
        Assert.DoesNotContain("pa55", text);
        Assert.Contains("https://***@example.com/repo.git", text);
    }

    [Theory]
    // Credentials after many URLs without any (a run journal), after a '/' in an earlier URL, and in schemes with
    // '+', '.' and '-'; text with "://" but no user info, or an '@' only after a '/', comes back unchanged.
    [InlineData("oci://r/a oci://r/b s3://key:secret@bucket/x", "oci://r/a oci://r/b s3://***@bucket/x")]
    [InlineData("{\"a\": \"http://h/p@q\", \"b\": \"git+ssh://tok@h:1/p\"}", "{\"a\": \"http://h/p@q\", \"b\": \"git+ssh://***@h:1/p\"}")]
    [InlineData("a.b-c://x@y", "a.b-c://***@y")]
    [InlineData("oci://registry/m@sha256:ab ://@x mail me@host", "oci://registry/m@sha256:ab ://@x mail me@host")]
    public void Url_credentials_are_found_among_urls_without_them(string text, string redacted) =>
        Assert.Equal(redacted, Redactor.Redact(text));
}

public sealed class ConfigOverrideSpellingTests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public void An_override_of_a_setting_absent_from_the_file_takes_the_schema_spelling_and_type()
    {
        File.WriteAllText(Path.Combine(_world.Root, "pipeline.json"), "{}");
        var env = new Hashtable { ["MODELPIPE_FETCH__TIMEOUTSECONDS"] = "42" };
        var config = ConfigLoader.Load(_world.Root, environment: env);
        Assert.Equal(42, config.Fetch.TimeoutSeconds);
    }
}
