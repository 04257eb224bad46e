using System.Text.Json.Nodes;
using ModelPipeline.Tests.Support;
using ModelPipeline.Training;
using ModelPipeline.Training.Remote;

namespace ModelPipeline.Tests.RemoteTraining;

/// <summary>The kfp backend through the real modelpipe CLI against a fake Kubeflow Pipelines and a real s3rver.</summary>
public sealed class KfpTrainingTests : IAsyncLifetime
{
    private readonly TestWorld _world = new();
    private FakeKfp _kfp = null!;
    private S3rver? _s3;

    public async Task InitializeAsync()
    {
        _kfp = await FakeKfp.StartAsync(RemoteKit.KfpToken);
        _kfp.Data["iris.csv"] = RemoteKit.Csv;
        if (S3rver.Missing() is null) _s3 = await S3rver.StartAsync();
        RemoteKit.WritePipeline(_world, kfpEndpoint: _kfp.BaseUrl, s3: _s3?.Endpoint);
    }

    private static JsonObject Options(string? outputUri = "s3://models/{model}/{trainingKey}/") => new()
    {
        ["pipelineName"] = "train-iris",
        ["pipelineVersion"] = "v7",
        ["experimentId"] = "exp-1",
        ["parameters"] = new JsonObject { ["gpu_type"] = "A100" },
        ["outputUri"] = outputUri,
    };

    /// <summary>Plays the pipeline: writes model.bin (and a SHA256SUMS naming <paramref name="digest"/>) to output_uri.</summary>
    private void PipelineWrites(string content, string? digest = null) => _kfp.OnCreated = async parameters =>
    {
        var prefix = new Uri(parameters["output_uri"]!.GetValue<string>()).AbsolutePath.TrimStart('/');
        var file = Path.Combine(_world.Root, $"upload-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, content);
        await _s3!.PutAsync(prefix + "model.bin", file);
        await File.WriteAllTextAsync(file, $"{digest ?? RemoteKit.Sha256(System.Text.Encoding.UTF8.GetBytes(content))}  model.bin\n");
        await _s3.PutAsync(prefix + "SHA256SUMS", file);
        File.Delete(file);
    };

    private async Task<Modelpipe.Result> RunAsync(params string[] args) => await Modelpipe.RunAsync(_world.Root, args, RemoteKit.Env);

    [S3rverFact]
    public async Task A_kfp_run_is_created_once_polled_to_success_and_its_files_collected_from_s3_then_a_rerun_attaches()
    {
        RemoteKit.WriteModel(_world, "tiny", "kfp", _kfp.BaseUrl, Options());
        PipelineWrites("weights-v1");
        Assert.Equal(0, (await RunAsync("fetch")).ExitCode);
        _kfp.Enqueue(503, """{"message":"upstream connect error"}""");
        _kfp.Enqueue(429, """{"message":"rate limited"}""", ("Retry-After", "1"));

        var train = await RunAsync("train");

        Assert.True(train.ExitCode == 0, train.All + string.Join("\n", _kfp.Failures));
        var created = Assert.Single(_kfp.Created);
        Assert.StartsWith("tiny-", created["display_name"]!.GetValue<string>());
        Assert.Equal("pl-1", created["pipeline_version_reference"]!["pipeline_id"]!.GetValue<string>());
        Assert.Equal("pv-7", created["pipeline_version_reference"]!["pipeline_version_id"]!.GetValue<string>());
        Assert.Equal("exp-1", created["experiment_id"]!.GetValue<string>());
        var parameters = created["runtime_config"]!["parameters"]!;
        var key = RemoteKit.OnlyKey(_world, "tiny");
        Assert.Equal(key, parameters["training_key"]!.GetValue<string>());
        Assert.Equal(3, parameters["epochs"]!.GetValue<int>());
        Assert.Equal("A100", parameters["gpu_type"]!.GetValue<string>());
        Assert.Contains(RemoteKit.Sha256(RemoteKit.Csv), parameters["data_refs"]!.GetValue<string>());
        Assert.Equal($"s3://models/tiny/{key}/", parameters["output_uri"]!.GetValue<string>());
        Assert.Contains("HTTP 503; retrying", train.All);
        Assert.Contains("HTTP 429; retrying in 1", train.All);

        var output = Path.Combine(_world.ArtifactsDir, "tiny", "runs", key, "output");
        Assert.Equal("weights-v1", File.ReadAllText(Path.Combine(output, "model.bin")));
        Assert.False(File.Exists(Path.Combine(output, "SHA256SUMS")));
        var record = _world.ReadRun<TrainingRecord>("tiny", key, "train");
        Assert.Equal("kfp", record.Backend);
        Assert.Equal($"{_kfp.BaseUrl}#/runs/details/{record.RunId}", record.RunUrl);
        Assert.Contains(record.RunUrl!, train.All);

        // A fresh workspace (a CI job) for the same key attaches to the run instead of submitting again.
        Directory.Delete(_world.ArtifactsDir, recursive: true);
        Assert.Equal(0, (await RunAsync("fetch")).ExitCode);
        var again = await RunAsync("train");
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains($"attaching to Kubeflow Pipelines run {record.RunId}", again.All);
        Assert.Single(_kfp.Created);

        var everything = train.All + again.All + RemoteKit.AllState(_world);
        Assert.DoesNotContain(RemoteKit.KfpToken, everything);
        Assert.Empty(_kfp.Failures);
    }

    [S3rverFact]
    public async Task A_digest_mismatch_fails_the_step_and_keeps_nothing()
    {
        RemoteKit.WriteModel(_world, "tiny", "kfp", _kfp.BaseUrl, Options());
        PipelineWrites("weights-v1", digest: new string('a', 64));
        Assert.Equal(0, (await RunAsync("fetch")).ExitCode);

        var train = await RunAsync("train");

        Assert.Equal(1, train.ExitCode);
        Assert.Contains("'model.bin' does not match its reported digest", train.All);
        Assert.Contains("nothing was kept", train.All);
        var runDir = Path.Combine(_world.ArtifactsDir, "tiny", "runs", RemoteKit.OnlyKey(_world, "tiny"));
        Assert.False(Directory.Exists(Path.Combine(runDir, "output")));
        Assert.False(File.Exists(Path.Combine(runDir, "train.json")));
        Assert.DoesNotContain(Directory.GetDirectories(runDir), d => Path.GetFileName(d).StartsWith("output", StringComparison.Ordinal));
    }

    [S3rverFact]
    public async Task An_s3_object_past_maxTotalBytes_is_stopped_while_streaming_and_nothing_is_kept()
    {
        RemoteKit.WriteModel(_world, "tiny", "kfp", _kfp.BaseUrl, Options(), maxTotalBytes: 1000);
        PipelineWrites(new string('w', 200_000));
        Assert.Equal(0, (await RunAsync("fetch")).ExitCode);

        var train = await RunAsync("train");

        Assert.Equal(1, train.ExitCode);
        Assert.Contains("larger than artifacts.maxTotalBytes", train.All);
        Assert.Contains("the download was stopped there and nothing was kept", train.All);
        Assert.Empty(Directory.EnumerateFiles(_world.ArtifactsDir, "model.bin", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_failed_run_fails_the_step_with_the_pipeline_error_and_a_link()
    {
        RemoteKit.WriteModel(_world, "tiny", "kfp", _kfp.BaseUrl, Options());
        _kfp.Outcome = "FAILED";
        Assert.Equal(0, (await RunAsync("fetch")).ExitCode);

        var train = await RunAsync("train");

        Assert.Equal(1, train.ExitCode);
        Assert.Contains("ended FAILED: task train failed: exit code 1", train.All);
        Assert.Contains("#/runs/details/", train.All);
        Assert.False(Directory.Exists(Path.Combine(_world.ArtifactsDir, "tiny", "runs", RemoteKit.OnlyKey(_world, "tiny"), "output")));
    }

    [Fact]
    public async Task A_run_that_never_finishes_is_terminated_at_the_deadline()
    {
        RemoteKit.WriteModel(_world, "tiny", "kfp", _kfp.BaseUrl, Options(), timeoutSeconds: 2);
        _kfp.Outcome = null;
        Assert.Equal(0, (await RunAsync("fetch")).ExitCode);

        var train = await RunAsync("train");

        Assert.Equal(1, train.ExitCode);
        Assert.Contains("did not finish within training.timeoutSeconds (2s); it was cancelled", train.All);
        var id = Assert.Single(_kfp.Terminated);
        Assert.Contains($"POST /apis/v2beta1/runs/{id}:terminate", _kfp.Requests);
    }

    [Fact]
    public async Task A_misconfigured_kfp_model_is_refused_by_check_and_train_before_anything_is_sent()
    {
        RemoteKit.WriteModel(_world, "tiny", "kfp", _kfp.BaseUrl, new JsonObject { ["endpoint"] = "ftp://kfp.example.com", ["pipelineVersionId"] = "pv-1", ["outputUri"] = "s3://b/{model}/{nope}/" });
        var before = _world.Files();

        var check = await RunAsync("check");
        var train = await RunAsync("train");

        foreach (var result in new[] { check, train })
        {
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("model 'tiny': the kfp training settings are invalid", result.All);
            Assert.Contains("$.training.options.endpoint: 'ftp://kfp.example.com' is not an absolute http(s) URL", result.All);
            Assert.Contains("$.training.options.pipelineId: give exactly one of \"pipelineId\" or \"pipelineName\"", result.All);
            Assert.Contains("$.training.options.outputUri: unknown placeholder {nope}", result.All);
        }
        Assert.Empty(_kfp.Requests);
        Assert.Equal(before, _world.Files());
    }

    [Fact]
    public async Task Options_the_kfp_schema_does_not_know_are_refused_with_exit_2()
    {
        RemoteKit.WriteModel(_world, "tiny", "kfp", _kfp.BaseUrl, new JsonObject { ["pipelineId"] = "p", ["runpodEndpoint"] = "x" });

        var check = await RunAsync("check");

        Assert.Equal(2, check.ExitCode);
        Assert.Contains("$.training.options.runpodEndpoint: not a kfp setting", check.All);
    }

    [Fact]
    public async Task Ctrl_C_during_the_wait_terminates_the_remote_run_and_exits_130()
    {
        RemoteKit.WriteModel(_world, "tiny", "kfp", _kfp.BaseUrl, Options(), timeoutSeconds: 600);
        _kfp.Outcome = null;
        Assert.Equal(0, (await RunAsync("fetch")).ExitCode);

        var result = await SigInt.RunUntilAsync(_world.Root, ["train"], RemoteKit.Env, () => _kfp.Requests.Count(r => r.StartsWith("GET /apis/v2beta1/runs/", StringComparison.Ordinal)) >= 2);

        Assert.True(result.ExitCode == 130, result.All);
        var id = Assert.Single(_kfp.Terminated);
        Assert.Contains("cancelling Kubeflow Pipelines run", result.All);
        Assert.Equal(id, _world.ReadRun<RemoteRun>("tiny", RemoteKit.OnlyKey(_world, "tiny"), "remote").RunId);
    }

    public async Task DisposeAsync()
    {
        await _kfp.DisposeAsync();
        if (_s3 is not null) await _s3.DisposeAsync();
        _world.Dispose();
    }
}
