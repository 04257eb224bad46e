using ModelPipeline.Tests.Support;
using ModelPipeline.Zoo;

namespace ModelPipeline.Tests.Zoo;

public sealed class ZooPublishTests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    private string Primary => Path.Combine(_world.Root, ".pipeline", "zoo.git");

    private string Mirror => Path.Combine(_world.Root, ".pipeline", "zoo-mirror.git");

    [Fact]
    public async Task Publishing_on_the_embedded_default_creates_v1_in_the_primary_and_the_mirror()
    {
        var seeded = await _world.SeedPackagedAsync();

        var result = await Modelpipe.RunAsync(_world.Root, "push");

        Assert.True(result.ExitCode == 0, result.All);
        var files = await BareRepo.FilesAsync(Primary);
        foreach (var f in new[] { "index.json", "models/demo/index.json", "models/demo/aliases.json", "models/demo/v1/README.md", "models/demo/v1/manifest.json", "models/demo/v1/metrics.json", "models/demo/v1/model.json", "models/demo/v1/files/model.onnx" })
            Assert.Contains(f, files);
        var tip = await BareRepo.TipAsync(Primary);
        Assert.Equal(tip, await BareRepo.TipAsync(Mirror));
        var message = await BareRepo.GitAsync(Primary, "log", "-1", "--format=%s");
        Assert.Equal($"zoo: publish demo v1 ({seeded.Digest})", message.Trim());

        var record = _world.ReadRun<ZooRecord>("demo", seeded.TrainingKey, "zoo");
        Assert.Equal(1, record.Version);
        Assert.Equal(tip, record.Commit);
        Assert.Equal(seeded.Digest, record.Digest);
        Assert.False(record.AlreadyPublished);
        var mirror = Assert.Single(record.Mirrors);
        Assert.True(mirror.Ok && mirror.Matches, mirror.Message);
        Assert.Equal("demo-v1", record.VersionTag);
        Assert.Equal(seeded.Digest, new ModelPipeline.Oci.OciLayout(Path.Combine(_world.Root, ".pipeline", "oci")).Resolve("demo-v1")?.Digest);

        var card = await BareRepo.ShowAsync(Primary, "models/demo/v1/README.md");
        Assert.Contains("| accuracy | 0.91 | ≥ 0.5 |", card);
        Assert.Contains(seeded.Digest, card);
        var manifest = await BareRepo.ShowAsync(Primary, "models/demo/v1/manifest.json");
        Assert.Contains(seeded.TrainingKey, manifest);
        Assert.Contains($"oci://localhost/models/demo@{seeded.Digest}", manifest);
    }

    [Fact]
    public async Task Re_publishing_an_unchanged_model_creates_no_commit()
    {
        var seeded = await _world.SeedPackagedAsync();
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "push")).ExitCode);
        var tip = await BareRepo.TipAsync(Primary);

        var again = await Modelpipe.RunAsync(_world.Root, "push");

        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("already published", again.StdOut);
        Assert.Equal(tip, await BareRepo.TipAsync(Primary));
        Assert.Equal(1, await BareRepo.CommitCountAsync(Primary));
        var record = _world.ReadRun<ZooRecord>("demo", seeded.TrainingKey, "zoo");
        Assert.True(record.AlreadyPublished);
        Assert.Equal(1, record.Version);
    }

    [Fact]
    public async Task A_new_training_key_becomes_v2_and_moves_latest()
    {
        await _world.SeedPackagedAsync(variant: 1);
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "push")).ExitCode);
        var second = await _world.SeedPackagedAsync(variant: 2);

        var result = await Modelpipe.RunAsync(_world.Root, "push");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Equal(2, _world.ReadRun<ZooRecord>("demo", second.TrainingKey, "zoo").Version);
        Assert.Contains("\"latest\": 2", await BareRepo.ShowAsync(Primary, "models/demo/aliases.json"));
        var index = await BareRepo.ShowAsync(Primary, "models/demo/index.json");
        Assert.Contains("\"status\": \"superseded\"", index);
        Assert.Contains("\"status\": \"current\"", index);
        Assert.Equal(await BareRepo.TipAsync(Primary), await BareRepo.TipAsync(Mirror));
    }

    [Fact]
    public async Task A_mirror_that_is_down_is_a_warning_and_the_push_succeeds()
    {
        var seeded = await _world.SeedPackagedAsync();
        _world.WriteZooConfig(ZooSeed.ZooJson(".pipeline/zoo.git", ("gone", "/nonexistent/zoo-mirror.git", null)));

        var result = await Modelpipe.RunAsync(_world.Root, "push");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("warning: mirror gone", result.StdOut);
        Assert.Matches(@"demo\s+push\s+warning", result.StdOut);
        var record = _world.ReadRun<ZooRecord>("demo", seeded.TrainingKey, "zoo");
        var mirror = Assert.Single(record.Mirrors);
        Assert.False(mirror.Ok);
        Assert.False(mirror.Matches);
        Assert.NotNull(await BareRepo.TipAsync(Primary));
    }

    [Fact]
    public async Task A_primary_that_is_down_fails_the_push_and_records_no_version()
    {
        var seeded = await _world.SeedPackagedAsync();
        _world.WriteZooConfig(ZooSeed.ZooJson($"http://127.0.0.1:{FreePort.Get()}/zoo.git", ("local", ".pipeline/zoo-mirror.git", null)));

        var result = await Modelpipe.RunAsync(_world.Root, "push");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("could not fetch primary", result.All);
        Assert.False(File.Exists(Path.Combine(_world.ArtifactsDir, "demo", "runs", seeded.TrainingKey, "zoo.json")));
        Assert.Null(await BareRepo.TipAsync(Mirror));
    }

    [Theory]
    [InlineData("https://user:s3cr3t-pass@example.com/zoo.git", "embeds credentials")]
    [InlineData("https://ghp_canary1234@example.com/zoo.git", "embeds credentials")]
    [InlineData("https://example.com/zoo\u0007.git", "control character")]
    [InlineData("--upload-pack=evil", "starts with '-'")]
    public async Task A_zoo_url_with_credentials_or_control_characters_is_rejected_with_exit_2_and_nothing_written(string url, string reason)
    {
        await _world.SeedPackagedAsync();
        _world.WriteZooConfig(ZooSeed.ZooJson(url));
        var before = _world.Files();

        var result = await Modelpipe.RunAsync(_world.Root, "push");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("pipeline.json", result.All);
        Assert.Contains("$.zoo.url", result.All);
        Assert.Contains(reason, result.All);
        Assert.Contains("Fix:", result.All);
        Assert.DoesNotContain("s3cr3t-pass", result.All);
        Assert.DoesNotContain("ghp_canary1234", result.All);
        Assert.Equal(before, _world.Files());
    }

    [Fact]
    public async Task A_mirror_url_with_credentials_is_rejected_with_exit_2_and_nothing_written()
    {
        await _world.SeedPackagedAsync();
        _world.WriteZooConfig(ZooSeed.ZooJson(".pipeline/zoo.git", ("gitlab", "https://oauth2:glpat-s3cr3t@gitlab.example.com/zoo.git", null)));
        var before = _world.Files();

        var result = await Modelpipe.RunAsync(_world.Root, "push");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("pipeline.json $.zoo.mirrors[0].url", result.StdErr);
        Assert.Contains("embeds credentials", result.StdErr);
        Assert.DoesNotContain("glpat-s3cr3t", result.All);
        Assert.Equal(before, _world.Files());
    }

    [Fact]
    public async Task A_push_killed_after_writing_the_clone_heals_on_the_next_run_with_a_log_line()
    {
        await _world.SeedPackagedAsync(variant: 1);
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "push")).ExitCode);
        var second = await _world.SeedPackagedAsync(variant: 2);
        var kill = new KillAtGit(_world, "add --all", "zoo-clones");

        var killed = await Modelpipe.RunAsync(_world.Root, ["push"], kill.Armed());

        Assert.True(kill.Fired, killed.All);
        Assert.Equal(137, killed.ExitCode);
        var clone = Directory.GetDirectories(Path.Combine(_world.Root, ".pipeline", "zoo-clones")).Single();
        Assert.NotEqual("", await BareRepo.GitAsync(clone, "status", "--porcelain")); // v2 written, never committed
        File.WriteAllText(Path.Combine(clone, ".git", "index.lock"), ""); // as a kill inside git add leaves it
        Assert.Equal(1, await BareRepo.CommitCountAsync(Primary));

        var result = await Modelpipe.RunAsync(_world.Root, "push");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains($"the cached clone {clone} was left half-done by a stopped run", result.All);
        Assert.Contains($"removed .git/index.lock, left in {clone} by a git process that was stopped", result.All);
        Assert.Contains("uncommitted change(s)", result.All);
        Assert.Equal(2, await BareRepo.CommitCountAsync(Primary));
        Assert.Equal(await BareRepo.TipAsync(Primary), await BareRepo.TipAsync(Mirror));
        Assert.Contains("models/demo/v2/manifest.json", await BareRepo.FilesAsync(Primary));
        Assert.Equal(2, _world.ReadRun<ZooRecord>("demo", second.TrainingKey, "zoo").Version);
        Assert.Equal("", await BareRepo.GitAsync(clone, "status", "--porcelain"));
    }

    [Fact]
    public async Task A_model_that_was_not_packaged_is_refused()
    {
        var seeded = await _world.SeedPackagedAsync();
        File.Delete(Path.Combine(_world.ArtifactsDir, "demo", "runs", seeded.TrainingKey, "package.json"));

        var result = await Modelpipe.RunAsync(_world.Root, "push");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("has not been packaged", result.All);
        Assert.Contains("PackageModelCar", result.All);
        Assert.False(Directory.Exists(Primary));
    }
}
