using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Configuration;

/// <summary><c>check</c> runs every pipeline.json rule later steps apply, so a bad setting fails before anything runs.</summary>
public sealed class SettingsCheckTests : IDisposable
{
    private readonly TestWorld _world = new();

    public SettingsCheckTests()
    {
        var dir = _world.WriteModel("demo", """
            {
              "name": "demo", "description": "d", "owners": ["o"], "data": [],
              "training": { "backend": "local", "command": ["true"] },
              "artifacts": { "format": "onnx", "files": ["model.onnx"] }, "validation": {}, "serving": { "runtime": "onnx" }
            }
            """);
        Assert.True(Directory.Exists(dir));
    }

    public void Dispose() => _world.Dispose();

    private void Settings(string json) => File.WriteAllText(Path.Combine(_world.Root, "pipeline.json"), json);

    [Theory]
    [InlineData("""{ "zoo": { "url": "https://bot:ghp_canary7Hq2@github.com/acme/zoo.git" } }""",
        "$.zoo.url: the URL https://***@github.com/acme/zoo.git embeds credentials")]
    [InlineData("""{ "zoo": { "url": ".pipeline/zoo.git\n" } }""", "$.zoo.url: contains a newline or another control character")]
    [InlineData("""{ "zoo": { "mirrors": [ { "name": "m", "url": "--upload-pack=touch /tmp/x" } ] } }""", "$.zoo.mirrors[0].url: the URL starts with '-'")]
    [InlineData("""{ "gitops": { "repository": "https://oauth2:glpat-canary7Hq2@gitlab.example.com/g/gitops.git" } }""",
        "$.gitops.repository: the URL https://***@gitlab.example.com/g/gitops.git embeds credentials")]
    [InlineData("""{ "gitops": { "repository": "https://gitlab.example.com/g/gitops.git\n--upload-pack=x" } }""", "$.gitops.repository: contains a newline or another control character")]
    [InlineData("""{ "gitops": { "branch": "main\n" } }""", "$.gitops.branch: contains a newline or another control character")]
    [InlineData("""{ "gitops": { "branch": "-f" } }""", "$.gitops.branch: '-f' is not a branch name git accepts: it starts with '-'")]
    [InlineData("""{ "gitops": { "branch": "deploy..prod" } }""", "$.gitops.branch: 'deploy..prod' is not a branch name git accepts: it contains '..'")]
    [InlineData("""{ "zoo": { "branch": "models.lock" } }""", "$.zoo.branch: 'models.lock' is not a branch name git accepts")]
    [InlineData("""{ "zoo": { "branch": "main/" } }""", "$.zoo.branch: 'main/' is not a branch name git accepts")]
    [InlineData("""{ "modelcar": { "tagTemplate": "latest" } }""", "$.modelcar.tagTemplate: 'latest' gives 'latest' for model 'demo'; 'latest' is refused")]
    [InlineData("""{ "modelcar": { "tagTemplate": "{model}:{key12}" } }""", "$.modelcar.tagTemplate: '{model}:{key12}' gives 'demo:000000000000' for model 'demo', not a valid tag")]
    [InlineData("""{ "modelcar": { "destination": "registry", "repository": "localhost:5000/modelzoo\n" } }""", "$.modelcar.repository: contains a newline")]
    [InlineData("""{ "modelcar": { "baseImage": "busybox" } }""", "$.modelcar.baseImage: 'busybox' is not an image reference")]
    [InlineData("""{ "forge": { "kind": "github" } }""", "$.forge.repository: required for forge.kind 'github'")]
    [InlineData("""{ "forge": { "kind": "github", "repository": "acme/team/gitops", "tokenEnv": "T" } }""", "$.forge.repository: 'acme/team/gitops' is not a GitHub \"owner/name\"")]
    [InlineData("""{ "forge": { "kind": "gitlab", "repository": "g/gitops" } }""", "$.forge.tokenEnv: required for forge.kind 'gitlab'")]
    [InlineData("""{ "forge": { "apiUrl": "https://bot:canary7Hq2@api.github.com/" } }""", "$.forge.apiUrl: the URL embeds credentials")]
    public async Task A_setting_a_later_step_would_refuse_fails_check_with_exit_2_and_nothing_written(string settings, string expected)
    {
        Settings(settings);
        var before = _world.Files();

        var result = await Modelpipe.RunAsync(_world.Root, "check");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("pipeline.json: " + expected, result.StdErr);
        Assert.Contains("Fix:", result.StdErr);
        Assert.DoesNotContain("canary7Hq2", result.All);
        Assert.Equal(before, _world.Files());
        Assert.False(Directory.Exists(Path.Combine(_world.Root, ".pipeline")));
        Assert.False(Directory.Exists(_world.ArtifactsDir));
    }

    [Theory]
    [InlineData("oci-layout")]
    [InlineData("registry")]
    [InlineData("tarball")]
    public async Task A_lone_registry_username_fails_check_for_every_destination(string destination)
    {
        Settings($$"""{ "modelcar": { "destination": "{{destination}}", "repository": "registry.example.com/ml/modelzoo" } }""");

        var result = await Modelpipe.RunAsync(_world.Root, ["check"],
            new Dictionary<string, string?> { ["MODELPIPE_REGISTRY_USERNAME"] = "bot", ["MODELPIPE_REGISTRY_PASSWORD"] = null });

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("$.registry: only one of MODELPIPE_REGISTRY_USERNAME and MODELPIPE_REGISTRY_PASSWORD is set. Fix:", result.StdErr);
    }

    [Fact]
    public async Task Every_bad_setting_is_reported_at_once_and_an_environment_rule_too()
    {
        Settings("""{ "zoo": { "url": "https://u:p@h/z.git" }, "modelcar": { "tagTemplate": "latest" }, "forge": { "kind": "gitlab" } }""");
        var result = await Modelpipe.RunAsync(_world.Root, ["check"], new Dictionary<string, string?> { ["SOURCE_DATE_EPOCH"] = "yesterday" });
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("pipeline.json has settings later steps would refuse (5 problems); nothing was fetched, trained or published:", result.StdErr);
        Assert.Contains("SOURCE_DATE_EPOCH='yesterday' is not a whole number of seconds", result.StdErr);
    }

    [Fact]
    public async Task A_sound_ci_configuration_passes_check_and_warns_about_unset_token_variables()
    {
        Settings("""
            { "zoo": { "url": "https://github.com/acme/zoo.git", "tokenEnv": "ZOO_TOKEN_FOR_TEST", "mirrors": [] },
              "gitops": { "repository": "https://github.com/acme/gitops.git", "tokenEnv": "GITOPS_TOKEN_FOR_TEST" },
              "forge": { "kind": "github", "repository": "acme/gitops", "tokenEnv": "FORGE_TOKEN_FOR_TEST" },
              "modelcar": { "destination": "registry", "repository": "registry.example.com/ml/modelzoo", "tagTemplate": "{model}-{key12}" } }
            """);
        var result = await Modelpipe.RunAsync(_world.Root, ["check"], new Dictionary<string, string?> { ["GITOPS_TOKEN_FOR_TEST"] = "set-here" });
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("definition valid", result.StdOut);
        Assert.Contains("$.zoo.tokenEnv names ZOO_TOKEN_FOR_TEST, which is not set in this environment; PushMirrors will stop there", result.All);
        Assert.Contains("$.forge.tokenEnv names FORGE_TOKEN_FOR_TEST", result.All);
        Assert.DoesNotContain("GITOPS_TOKEN_FOR_TEST, which is not set", result.All);
    }
}
