using ModelPipeline.Configuration;
using ModelPipeline.GitOps;
using ModelPipeline.Progress;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.GitOps;

public sealed class UpdateGitOpsTests
{
    internal const string ExpectedIrisTestConfig = """
        name: iris
        environment: test
        model_version: 1
        image_repository: registry.example.test/models/iris
        image_digest: sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
        storage_uri: oci://registry.example.test/models/iris@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
        runtime: onnx
        chart_path: pipelines/argocd/chart
        training_key: "1111111111111111111111111111111111111111111111111111111111111111"
        zoo_commit: cccccccccccccccccccccccccccccccccccccccc
        serving:
          maxReplicas: 2
          minReplicas: 1
          resources:
            cpu: 500m
            memory: 512Mi

        """;

    [Fact]
    public async Task Update_gitops_creates_the_sandbox_repository_and_pins_the_test_config_to_the_digest()
    {
        using var world = new TestWorld();
        world.Publish("iris", 1);

        var run = await Modelpipe.RunAsync(world.Root, "gitops", "--model", "iris");

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal(ExpectedIrisTestConfig, await PublishedModels.Git(world.GitOpsRepo(), "show", "main:test/iris/config.yaml"));
        Assert.Equal(1, await PublishedModels.CommitCount(world.GitOpsRepo()));
        Assert.Contains("test: deploy iris v1", await PublishedModels.Git(world.GitOpsRepo(), "log", "-1", "--format=%B", "main"), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(world.ArtifactsDir, "iris", "runs", PublishedModels.Key(1), "gitops.json")));
    }

    [Fact]
    public async Task Re_running_update_gitops_with_unchanged_content_creates_no_commit()
    {
        using var world = new TestWorld();
        world.Publish("iris", 1);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "gitops")).ExitCode);

        var again = await Modelpipe.RunAsync(world.Root, "gitops", "--json");

        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("\"result\": \"skipped\"", again.StdOut, StringComparison.Ordinal);
        Assert.Equal(1, await PublishedModels.CommitCount(world.GitOpsRepo()));
    }

    [Fact]
    public async Task A_new_version_moves_the_test_config_to_its_digest_in_one_commit()
    {
        using var world = new TestWorld();
        world.Publish("iris", 1);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "gitops")).ExitCode);
        world.Publish("iris", 2);

        var run = await Modelpipe.RunAsync(world.Root, "gitops");

        Assert.True(run.ExitCode == 0, run.All);
        var yaml = await PublishedModels.Git(world.GitOpsRepo(), "show", "main:test/iris/config.yaml");
        Assert.Contains("model_version: 2\n", yaml, StringComparison.Ordinal);
        Assert.Contains("image_digest: " + PublishedModels.Digest(2), yaml, StringComparison.Ordinal);
        Assert.Equal(2, await PublishedModels.CommitCount(world.GitOpsRepo()));
    }

    [Fact]
    public async Task Update_gitops_refuses_a_model_that_was_not_published_to_the_zoo_and_writes_nothing()
    {
        using var world = new TestWorld();
        var key = world.Publish("iris", 1);
        File.Delete(Path.Combine(world.ArtifactsDir, "iris", "runs", key, "zoo.json"));

        var run = await Modelpipe.RunAsync(world.Root, "gitops", "--model", "iris");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("model 'iris'", run.All, StringComparison.Ordinal);
        Assert.Contains("zoo.json does not exist. Fix: run ./build.sh PushMirrors --model iris", run.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(world.GitOpsRepo()));
        Assert.False(File.Exists(Path.Combine(world.ArtifactsDir, "iris", "runs", key, "gitops.json")));
    }

    [Fact]
    public async Task Update_gitops_refuses_a_model_that_failed_validation()
    {
        using var world = new TestWorld();
        world.Publish("iris", 1, passed: false);

        var run = await Modelpipe.RunAsync(world.Root, "gitops", "--model", "iris");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("failed the validation gate", run.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(world.GitOpsRepo()));
    }

    [Fact]
    public async Task A_missing_gitops_repository_outside_the_sandbox_is_invalid_input_and_nothing_is_written()
    {
        using var world = new TestWorld();
        world.Publish("iris", 1);
        var before = world.Files();

        var run = await Modelpipe.RunAsync(world.Root, ["gitops"], new Dictionary<string, string?> { ["MODELPIPE_GITOPS__REPOSITORY"] = "elsewhere/gitops.git" });

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("gitops.repository 'elsewhere/gitops.git' does not exist", run.All, StringComparison.Ordinal);
        Assert.Contains("Fix:", run.All, StringComparison.Ordinal);
        Assert.Equal(before, world.Files());
    }

    [Fact]
    public async Task A_token_variable_that_is_not_set_is_invalid_input_naming_the_variable()
    {
        using var world = new TestWorld();
        world.Publish("iris", 1);
        world.SetSection("gitops", """{ "repository": "http://127.0.0.1:9/gitops.git", "tokenEnv": "MP_TEST_UNSET_GITOPS_TOKEN" }""");
        var before = world.Files();

        var run = await Modelpipe.RunAsync(world.Root, ["gitops"], new Dictionary<string, string?> { ["MP_TEST_UNSET_GITOPS_TOKEN"] = null });

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("gitops.tokenEnv names the environment variable MP_TEST_UNSET_GITOPS_TOKEN, which is not set", run.All, StringComparison.Ordinal);
        Assert.Equal(before, world.Files());
    }

    [Fact]
    public async Task A_push_that_loses_a_race_is_rebuilt_on_the_new_tip_and_keeps_both_commits()
    {
        using var world = new TestWorld();
        var config = ConfigLoader.Load(world.Root);
        using (var first = await GitOpsRepository.OpenAsync(config, NullReporter.Instance, default))
            await first.CommitFileAsync("test/a/config.yaml", "name: a\n", "first", default);
        using var repo = await GitOpsRepository.OpenAsync(config, NullReporter.Instance, default);

        // Someone else pushes after our clone was made.
        using (var other = await GitOpsRepository.OpenAsync(config, NullReporter.Instance, default))
            await other.CommitFileAsync("test/b/config.yaml", "name: b\n", "other", default);
        var commit = await repo.CommitFileAsync("test/c/config.yaml", "name: c\n", "ours", default);

        Assert.NotNull(commit);
        Assert.Equal(3, await PublishedModels.CommitCount(world.GitOpsRepo()));
        var files = await PublishedModels.Git(world.GitOpsRepo(), "ls-tree", "-r", "--name-only", "main");
        Assert.Equal(["test/a/config.yaml", "test/b/config.yaml", "test/c/config.yaml"], files.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
