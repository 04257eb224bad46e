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
        await world.PublishAsync("iris", 1);

        var run = await Modelpipe.RunAsync(world.Root, "gitops", "--model", "iris");

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal(ExpectedIrisTestConfig, await BareRepo.GitAsync(world.GitOpsRepo(), "show", "main:test/iris/config.yaml"));
        Assert.Equal(1, await BareRepo.CommitCountAsync(world.GitOpsRepo()));
        Assert.Contains("test: deploy iris v1", await BareRepo.GitAsync(world.GitOpsRepo(), "log", "-1", "--format=%B", "main"), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(world.ArtifactsDir, "iris", "runs", PublishedModels.Key(1), "gitops.json")));
    }

    [Fact]
    public async Task Re_running_update_gitops_with_unchanged_content_creates_no_commit()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "gitops")).ExitCode);

        var again = await Modelpipe.RunAsync(world.Root, "gitops", "--json");

        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("\"result\": \"skipped\"", again.StdOut, StringComparison.Ordinal);
        Assert.Equal(1, await BareRepo.CommitCountAsync(world.GitOpsRepo()));
    }

    [Fact]
    public async Task A_new_version_moves_the_test_config_to_its_digest_in_one_commit()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "gitops")).ExitCode);
        await world.PublishAsync("iris", 2);

        var run = await Modelpipe.RunAsync(world.Root, "gitops");

        Assert.True(run.ExitCode == 0, run.All);
        var yaml = await BareRepo.GitAsync(world.GitOpsRepo(), "show", "main:test/iris/config.yaml");
        Assert.Contains("model_version: 2\n", yaml, StringComparison.Ordinal);
        Assert.Contains("image_digest: " + PublishedModels.Digest(2), yaml, StringComparison.Ordinal);
        Assert.Equal(2, await BareRepo.CommitCountAsync(world.GitOpsRepo()));
    }

    [Fact]
    public async Task Update_gitops_pins_the_digest_the_zoo_records_when_the_workspace_has_no_package_or_zoo_record()
    {
        using var world = new TestWorld();
        var key = await world.PublishAsync("iris", 1);
        File.Delete(Path.Combine(world.ArtifactsDir, "iris", "runs", key, "zoo.json"));
        File.Delete(Path.Combine(world.ArtifactsDir, "iris", "runs", key, "package.json"));

        var run = await Modelpipe.RunAsync(world.Root, "gitops", "--model", "iris");

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal(ExpectedIrisTestConfig, await BareRepo.GitAsync(world.GitOpsRepo(), "show", "main:test/iris/config.yaml"));
    }

    [Fact]
    public async Task Update_gitops_refuses_a_key_the_zoo_does_not_hold_and_writes_nothing()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        var other = new string('7', 64); // validated here, never pushed to the zoo
        var state = new ModelPipeline.RunState.RunStateStore(world.ArtifactsDir);
        state.WriteRun("iris", other, "validate", state.ReadRun<ModelPipeline.Validation.ValidationReport>("iris", PublishedModels.Key(1), "validate")! with { TrainingKey = other });
        state.SetCurrentKey("iris", other);

        var run = await Modelpipe.RunAsync(world.Root, "gitops", "--model", "iris");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("model 'iris' (training key 777777777777) is not in the zoo", run.All, StringComparison.Ordinal);
        Assert.Contains("Fix: run ./build.sh PushMirrors --model iris", run.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(world.GitOpsRepo()));
        Assert.False(File.Exists(Path.Combine(world.ArtifactsDir, "iris", "runs", other, "gitops.json")));
    }

    [Fact]
    public async Task Update_gitops_refuses_a_version_whose_image_the_layout_no_longer_has_and_writes_nothing()
    {
        using var world = new TestWorld();
        var key = await world.PublishAsync("iris", 1);
        Directory.Delete(world.LayoutDir(), recursive: true);

        var run = await Modelpipe.RunAsync(world.Root, "gitops", "--model", "iris");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"model 'iris' v1: the zoo records image {PublishedModels.Digest(1)}, but the OCI layout {world.LayoutDir()} no longer has it", run.All, StringComparison.Ordinal);
        Assert.Contains("Fix: restore the image", run.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(world.GitOpsRepo()));
        Assert.False(File.Exists(Path.Combine(world.ArtifactsDir, "iris", "runs", key, "gitops.json")));
    }

    [Fact]
    public async Task Update_gitops_refuses_a_model_that_failed_validation()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1, passed: false);

        var run = await Modelpipe.RunAsync(world.Root, "gitops", "--model", "iris");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("failed the validation gate", run.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(world.GitOpsRepo()));
    }

    [Fact]
    public async Task A_missing_gitops_repository_outside_the_sandbox_is_invalid_input_and_nothing_is_written()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
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
        await world.PublishAsync("iris", 1);
        world.SetSection("gitops", """{ "repository": "http://127.0.0.1:9/gitops.git", "tokenEnv": "MP_TEST_UNSET_GITOPS_TOKEN" }""");
        var before = world.Files();

        var run = await Modelpipe.RunAsync(world.Root, ["gitops"], new Dictionary<string, string?> { ["MP_TEST_UNSET_GITOPS_TOKEN"] = null });

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("gitops.repository: the environment variable MP_TEST_UNSET_GITOPS_TOKEN (named by tokenEnv) is not set", run.All, StringComparison.Ordinal);
        Assert.Equal(before, world.Files());
    }

    [Fact]
    public async Task A_commit_someone_else_pushed_to_the_gitops_branch_is_kept()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "gitops")).ExitCode);
        var other = Path.Combine(world.Root, "other-clone");
        await BareRepo.GitAsync(world.Root, "clone", "--quiet", world.GitOpsRepo(), other);
        Directory.CreateDirectory(Path.Combine(other, "prod", "other"));
        await File.WriteAllTextAsync(Path.Combine(other, "prod", "other", "config.yaml"), "name: other\n");
        await BareRepo.GitAsync(other, "add", ".");
        await BareRepo.GitAsync(other, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "someone else");
        await BareRepo.GitAsync(other, "push", "--quiet", "origin", "HEAD:main");
        await world.PublishAsync("iris", 2);

        var run = await Modelpipe.RunAsync(world.Root, "gitops");

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal(3, await BareRepo.CommitCountAsync(world.GitOpsRepo()));
        var files = await BareRepo.GitAsync(world.GitOpsRepo(), "ls-tree", "-r", "--name-only", "main");
        Assert.Equal(["prod/other/config.yaml", "test/iris/config.yaml"], files.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Update_gitops_points_the_zoo_test_alias_at_the_deployed_version()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, "gitops")).ExitCode);
        await world.PublishAsync("iris", 2);

        var run = await Modelpipe.RunAsync(world.Root, "gitops");

        Assert.True(run.ExitCode == 0, run.All);
        var aliases = await BareRepo.GitAsync(world.ZooRepo(), "show", "main:models/iris/aliases.json");
        Assert.Contains("\"test\": 2", aliases, StringComparison.Ordinal);
    }
}
