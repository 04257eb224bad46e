using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Training;

/// <summary>Trainers get an allow-listed environment; CI credentials never reach them or the log.</summary>
public sealed class TrainerEnvironmentTests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    private static readonly string[] CiVariables =
        ["GITHUB_TOKEN", "GITLAB_TOKEN", "CI_JOB_TOKEN", "CI_REGISTRY_PASSWORD", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "CI_DEPLOY_PASSWORD", "SYSTEM_ACCESSTOKEN"];

    private static string Canary(string name) => $"canary-{name.ToLowerInvariant()}-5e1b9c";

    private string WriteModel(string env)
    {
        var dir = _world.WriteModel("demo", $$"""
            {
              "name": "demo", "description": "d", "owners": ["o"], "data": [],
              "training": { "backend": "local", "command": ["sh", "train.sh"], "env": {{env}} },
              "artifacts": { "format": "onnx", "files": ["model.onnx"] }, "validation": {}, "serving": { "runtime": "onnx" }
            }
            """);
        // Prints its whole environment to the log and keeps a copy of it in the output.
        File.WriteAllText(Path.Combine(dir, "train.sh"), "env | sort; env | sort > \"$MP_OUTPUT_DIR/env.txt\"; echo x > \"$MP_OUTPUT_DIR/model.onnx\"");
        return dir;
    }

    [Fact]
    public async Task A_trainer_that_dumps_its_environment_gets_no_ci_credentials_and_the_log_shows_none()
    {
        File.WriteAllText(Path.Combine(_world.Root, "pipeline.json"), """{ "zoo": { "tokenEnv": "ZOO_PUSH_TOKEN" } }""");
        WriteModel("""["HF_TOKEN", "MY_SETTING", "NOT_SET_ANYWHERE"]""");
        var env = CiVariables.ToDictionary(n => n, n => (string?)Canary(n));
        env["ZOO_PUSH_TOKEN"] = Canary("zoo");
        env["SOME_AMBIENT_VARIABLE"] = Canary("ambient");
        env["MODELPIPE_ZOO__AUTHORNAME"] = "Ambient Author";
        env["HF_TOKEN"] = Canary("hf");
        env["MY_SETTING"] = "visible-setting";
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, ["fetch"], env)).ExitCode);

        var result = await Modelpipe.RunAsync(_world.Root, ["train"], env);

        Assert.Equal(0, result.ExitCode);
        var seen = File.ReadAllText(Directory.GetFiles(Path.Combine(_world.ArtifactsDir, "demo", "runs"), "env.txt", SearchOption.AllDirectories).Single());
        foreach (var name in CiVariables.Append("ZOO_PUSH_TOKEN").Append("SOME_AMBIENT_VARIABLE").Append("MODELPIPE_ZOO__AUTHORNAME"))
        {
            Assert.DoesNotContain($"{name}=", seen);
            Assert.DoesNotContain(Canary(name), result.All);
        }
        Assert.DoesNotContain(Canary("zoo"), result.All + seen);
        Assert.DoesNotContain(Canary("ambient"), result.All + seen);
        // The contract, the basics and the declared passthrough names are there.
        Assert.Contains("MP_MODEL_NAME=demo", seen);
        Assert.Contains("PATH=", seen);
        Assert.Contains("HOME=", seen);
        Assert.Contains("MY_SETTING=visible-setting", seen);
        Assert.Contains("MY_SETTING=visible-setting", result.StdOut);
        Assert.DoesNotContain("NOT_SET_ANYWHERE", seen);
        // A declared service credential reaches the trainer, but never the log.
        Assert.Contains($"HF_TOKEN={Canary("hf")}", seen);
        Assert.Contains("HF_TOKEN=***", result.StdOut);
        Assert.DoesNotContain(Canary("hf"), result.All);
    }

    [Theory]
    [InlineData("GITHUB_TOKEN", "is a CI credential of the pipeline; trainers never get it")]
    [InlineData("CI_JOB_TOKEN", "is a CI credential of the pipeline; trainers never get it")]
    [InlineData("MP_OUTPUT_DIR", "is in the MP_* namespace the pipeline sets itself")]
    [InlineData("MODELPIPE_REGISTRY__PASSWORDENV", "is a pipeline setting (MODELPIPE_*)")]
    public async Task Passing_a_ci_credential_or_a_reserved_name_to_the_trainer_exits_2_writing_nothing(string name, string expected)
    {
        WriteModel($"""["{name}"]""");
        var before = _world.Files();
        foreach (var verb in new[] { "check", "train" })
        {
            var result = await Modelpipe.RunAsync(_world.Root, verb);
            Assert.Equal(2, result.ExitCode);
            Assert.Contains($"models/demo/model.json: $.training.env[0]: '{name}' {expected}", result.StdErr);
            Assert.Contains("Fix:", result.StdErr);
        }
        Assert.Equal(before, _world.Files());
    }

    [Fact]
    public async Task Passing_a_token_that_pipeline_json_configures_to_the_trainer_exits_2_writing_nothing()
    {
        File.WriteAllText(Path.Combine(_world.Root, "pipeline.json"), """{ "gitops": { "tokenEnv": "GITOPS_PUSH_TOKEN" } }""");
        WriteModel("""["GITOPS_PUSH_TOKEN"]""");
        var before = _world.Files();
        foreach (var verb in new[] { "check", "train" })
        {
            var result = await Modelpipe.RunAsync(_world.Root, [verb], new Dictionary<string, string?> { ["GITOPS_PUSH_TOKEN"] = Canary("gitops") });
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("$.training.env[0]: 'GITOPS_PUSH_TOKEN' holds a secret that pipeline.json configures", result.StdErr);
            Assert.DoesNotContain(Canary("gitops"), result.All);
        }
        Assert.Equal(before, _world.Files());
    }
}
