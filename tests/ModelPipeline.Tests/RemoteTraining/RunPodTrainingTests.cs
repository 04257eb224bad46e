using System.Formats.Tar;
using System.Text.Json.Nodes;
using ModelPipeline.Tests.Support;
using ModelPipeline.Training;

namespace ModelPipeline.Tests.RemoteTraining;

/// <summary>The runpod backend through the real modelpipe CLI against a fake RunPod serverless endpoint.</summary>
public sealed class RunPodTrainingTests : IAsyncLifetime
{
    private RunPodWorld _runpod = null!;

    private TestWorld World => _runpod.World;

    private FakeRunPod Endpoint => _runpod.Endpoint;

    public async Task InitializeAsync() => _runpod = await RunPodWorld.StartAsync(new JsonObject { ["gpu"] = "A40" });

    private void Serve(Action<TarWriter> write, bool rightDigest = true) => _runpod.Serve(write, rightDigest);

    private Task<Modelpipe.Result> RunAsync(params string[] args) => _runpod.RunAsync(args);

    private string RunDir => Path.Combine(World.ArtifactsDir, "tiny", "runs", RemoteKit.OnlyKey(World, "tiny"));

    [Fact]
    public async Task A_runpod_job_is_submitted_once_and_its_archive_model_folder_kept_then_a_rerun_attaches()
    {
        Serve(tar =>
        {
            ArchiveCorpus.Entry(tar, "logs/train.log", "epoch 1");
            ArchiveCorpus.Entry(tar, "models/model.bin", "weights-rp");
        });
        Assert.Equal(0, (await RunAsync("fetch")).ExitCode);
        Endpoint.Enqueue(429, """{"error":"rate limited"}""", ("Retry-After", "1"));

        var train = await RunAsync("train");

        Assert.True(train.ExitCode == 0, train.All);
        var submitted = Assert.Single(Endpoint.Submitted)["input"]!;
        Assert.Equal("A40", submitted["gpu"]!.GetValue<string>());
        Assert.Equal(3, submitted["hyperparameters"]!["epochs"]!.GetValue<int>());
        Assert.Equal(RemoteKit.Sha256(RemoteKit.Csv), submitted["data"]![0]!["sha256"]!.GetValue<string>());
        Assert.Equal(RemoteKit.OnlyKey(World, "tiny"), submitted["training_key"]!.GetValue<string>());
        Assert.Equal(["model.bin"], Directory.EnumerateFiles(Path.Combine(RunDir, "output"), "*", SearchOption.AllDirectories).Select(Path.GetFileName));
        Assert.Equal("weights-rp", File.ReadAllText(Path.Combine(RunDir, "output", "model.bin")));
        Assert.DoesNotContain(Directory.EnumerateFiles(RunDir), f => f.EndsWith(".part", StringComparison.Ordinal));
        Assert.All(Endpoint.DownloadAuthorization, Assert.Empty);
        var record = World.ReadRun<TrainingRecord>("tiny", RemoteKit.OnlyKey(World, "tiny"), "train");
        Assert.Equal("runpod", record.Backend);
        Assert.Equal($"{Endpoint.BaseUrl}v2/{Endpoint.EndpointId}/status/{record.RunId}", record.RunUrl);

        // The job id was recorded before waiting: losing the training result attaches to the same job.
        File.Delete(Path.Combine(RunDir, "train.json"));
        var again = await RunAsync("train");
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains($"attaching to RunPod job {record.RunId}", again.All);
        Assert.Single(Endpoint.Submitted);
        Assert.DoesNotContain(RemoteKit.RunPodKey, train.All + again.All + RemoteKit.AllState(World));
        Assert.Empty(Endpoint.Failures);
    }

    [Fact]
    public async Task An_archive_with_the_wrong_digest_is_deleted_and_nothing_is_kept()
    {
        Serve(tar => ArchiveCorpus.Entry(tar, "models/model.bin", "weights"), rightDigest: false);
        Assert.Equal(0, (await RunAsync("fetch")).ExitCode);

        var train = await RunAsync("train");

        Assert.Equal(1, train.ExitCode);
        Assert.Contains("the archive does not match the digest the job reported", train.All);
        Assert.False(Directory.Exists(Path.Combine(RunDir, "output")));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(RunDir), f => f.EndsWith(".part", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith("output", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_hostile_archive_is_refused_through_the_cli_and_nothing_is_kept()
    {
        Serve(tar =>
        {
            ArchiveCorpus.Entry(tar, "models/model.bin", "weights");
            ArchiveCorpus.Link(tar, TarEntryType.SymbolicLink, "models/creds", "/root/.docker/config.json");
        });
        Assert.Equal(0, (await RunAsync("fetch")).ExitCode);

        var train = await RunAsync("train");

        Assert.Equal(1, train.ExitCode);
        Assert.Contains("the output archive was refused: link 'models/creds' points outside the extracted folder", train.All);
        Assert.False(Directory.Exists(Path.Combine(RunDir, "output")));
        Assert.Equal(["remote.json"], Directory.EnumerateFileSystemEntries(RunDir).Select(Path.GetFileName).Where(n => n != "data"));
    }

    [Fact]
    public async Task A_failed_job_fails_the_step_with_its_error()
    {
        Endpoint.Outcome = "FAILED";
        Assert.Equal(0, (await RunAsync("fetch")).ExitCode);

        var train = await RunAsync("train");

        Assert.Equal(1, train.ExitCode);
        Assert.Contains("ended FAILED: CUDA out of memory", train.All);
    }

    [Fact]
    public async Task A_job_that_never_finishes_is_cancelled_at_the_deadline()
    {
        RemoteKit.WriteModel(World, "tiny", "runpod", Endpoint.BaseUrl, new JsonObject { ["endpointId"] = Endpoint.EndpointId }, timeoutSeconds: 2);
        Endpoint.Outcome = null;
        Assert.Equal(0, (await RunAsync("fetch")).ExitCode);

        var train = await RunAsync("train");

        Assert.Equal(1, train.ExitCode);
        Assert.Contains("RunPod run", train.All);
        Assert.Contains("did not finish within training.timeoutSeconds (2s); it was cancelled", train.All);
        var id = Assert.Single(Endpoint.Cancelled);
        Assert.Contains($"POST /v2/{Endpoint.EndpointId}/cancel/{id}", Endpoint.Requests);
    }

    [Fact]
    public async Task A_missing_api_key_or_endpoint_is_exit_2_before_anything_is_submitted()
    {
        RemoteKit.WriteModel(World, "tiny", "runpod", Endpoint.BaseUrl, new JsonObject { ["archiveSubfolder"] = "../up" });
        var before = World.Files();

        var check = await RunAsync("check");
        var noKey = await Modelpipe.RunAsync(World.Root, ["train"], new Dictionary<string, string?> { ["RUNPOD_API_KEY"] = null });

        Assert.Equal(2, check.ExitCode);
        Assert.Contains("$.training.options.endpointId: missing", check.All);
        Assert.Contains("$.training.options.archiveSubfolder: '../up' contains '..'", check.All);
        Assert.Equal(2, noKey.ExitCode);
        Assert.Empty(Endpoint.Requests);
        Assert.Equal(before, World.Files());

        RemoteKit.WriteModel(World, "tiny", "runpod", Endpoint.BaseUrl, new JsonObject { ["endpointId"] = Endpoint.EndpointId });
        Assert.Equal(0, (await RunAsync("fetch")).ExitCode);
        var unset = await Modelpipe.RunAsync(World.Root, ["train"], new Dictionary<string, string?> { ["RUNPOD_API_KEY"] = null });
        Assert.Equal(2, unset.ExitCode);
        Assert.Contains("the RunPod API key variable RUNPOD_API_KEY is not set", unset.All);
        Assert.DoesNotContain(Endpoint.Requests, r => r.StartsWith("POST", StringComparison.Ordinal));
    }

    public Task DisposeAsync() => _runpod.DisposeAsync().AsTask();
}
