using System.Text;
using System.Text.Json.Nodes;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.RemoteTraining;

/// <summary>
/// The kfp backend against the edges of the real API (issue 19): artifacts in download mode from a
/// second server on another port of the same host, runs left CANCELING, a refused output, a 500 on
/// create, version names and display names, list entries without task details, Ctrl-C with a 429.
/// </summary>
public sealed class KfpEdgeTests : IAsyncLifetime
{
    private readonly TestWorld _world = new();
    private FakeKfp _kfp = null!;
    private FakeKfp _store = null!;

    public async Task InitializeAsync()
    {
        _kfp = await FakeKfp.StartAsync(RemoteKit.KfpToken);
        _kfp.Data["iris.csv"] = RemoteKit.Csv;
        // The artifact host: same host name (127.0.0.1), another port, so another origin.
        _store = await FakeKfp.StartAsync("the-store-wants-no-kfp-token");
        _store.Data["model.bin"] = Encoding.UTF8.GetBytes("weights-kfp");
        _kfp.DownloadUrl = $"{_store.BaseUrl}data/model.bin";
        RemoteKit.WritePipeline(_world, kfpEndpoint: _kfp.BaseUrl);
        Write();
    }

    private void Write(string version = "v7", int timeoutSeconds = 60, long? maxTotalBytes = null) =>
        RemoteKit.WriteModel(_world, "tiny", "kfp", _kfp.BaseUrl, new JsonObject
        {
            ["pipelineName"] = "train-iris",
            ["pipelineVersion"] = version,
            ["experimentId"] = "exp-1",
        }, timeoutSeconds, maxTotalBytes);

    private Task<Modelpipe.Result> RunAsync(params string[] args) => Modelpipe.RunAsync(_world.Root, args, RemoteKit.Env);

    private async Task FetchAsync() => Assert.Equal(0, (await RunAsync("fetch")).ExitCode);

    private string Output => Path.Combine(_world.ArtifactsDir, "tiny", "runs", RemoteKit.OnlyKey(_world, "tiny"), "output");

    private string Faults => string.Join("\n", _kfp.Failures.Concat(_store.Failures));

    [Fact]
    public async Task The_kfp_token_goes_only_to_the_api_origin_and_not_to_an_artifact_host_on_another_port()
    {
        await FetchAsync();

        var train = await RunAsync("train");

        Assert.True(train.ExitCode == 0, train.All + Faults);
        Assert.Equal("weights-kfp", File.ReadAllText(Path.Combine(Output, "model.bin")));
        Assert.Contains(_kfp.Requests, r => r.StartsWith("GET /apis/v2beta1/artifacts/42?view=DOWNLOAD", StringComparison.Ordinal));
        Assert.NotEmpty(_store.DataAuthorization);
        Assert.All(_store.DataAuthorization, Assert.Empty);
        Assert.Equal("pv-7", Assert.Single(_kfp.Created)["pipeline_version_reference"]!["pipeline_version_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_kfp_endpoint_over_plain_http_off_this_machine_is_refused_before_the_token_is_sent()
    {
        await FetchAsync();
        RemoteKit.WritePipeline(_world, kfpEndpoint: "http://kfp.example.invalid/pipeline");

        var train = await RunAsync("train");

        Assert.Equal(2, train.ExitCode);
        Assert.Contains("over plain http; the token in KFP_TOKEN would travel in clear", train.All);
        Assert.DoesNotContain(RemoteKit.KfpToken, train.All);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_artifact_past_maxTotalBytes_is_stopped_while_streaming_with_or_without_a_content_length(bool contentLength)
    {
        Write(maxTotalBytes: 1000);
        _store.Data["model.bin"] = new byte[4 << 20];
        _store.DataContentLength = contentLength;
        await FetchAsync();

        var train = await RunAsync("train");

        Assert.Equal(1, train.ExitCode);
        Assert.Contains("larger than artifacts.maxTotalBytes", train.All);
        Assert.Contains("nothing was kept", train.All);
        Assert.False(Directory.Exists(Output));
        Assert.Empty(Directory.EnumerateFiles(_world.ArtifactsDir, "model.bin", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_run_left_canceling_is_not_attached_to_and_a_new_run_is_submitted()
    {
        Write(timeoutSeconds: 2);
        _kfp.Outcome = null;
        _kfp.StaysCanceling = true;
        await FetchAsync();
        Assert.Equal(1, (await RunAsync("train")).ExitCode);
        _kfp.Outcome = "SUCCEEDED";
        _kfp.PollsUntilDone = 1;

        var again = await RunAsync("train");

        Assert.True(again.ExitCode == 0, again.All + Faults);
        Assert.DoesNotContain("attaching", again.All);
        Assert.Equal(2, _kfp.Created.Count);
    }

    [Fact]
    public async Task A_run_whose_artifact_answered_403_is_archived_and_the_rerun_submits_a_new_run()
    {
        await FetchAsync();
        _store.Enqueue(403, """<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>""");

        var refused = await RunAsync("train");
        var again = await RunAsync("train");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("answered HTTP 403", refused.All);
        Assert.Contains("is marked unusable (and archived); re-running Train submits a new run", refused.All);
        Assert.Contains(_kfp.Requests, r => r.StartsWith("POST /apis/v2beta1/runs/", StringComparison.Ordinal) && r.EndsWith(":archive", StringComparison.Ordinal));
        Assert.True(again.ExitCode == 0, again.All + Faults);
        Assert.DoesNotContain("attaching", again.All);
        Assert.Equal(2, _kfp.Created.Count);
    }

    [Fact]
    public async Task A_500_on_create_run_is_reported_and_an_older_failed_run_of_the_same_name_is_not_taken_for_it()
    {
        _kfp.Outcome = "FAILED";
        await FetchAsync();
        Assert.Equal(1, (await RunAsync("train")).ExitCode);
        _kfp.CreateStatus = 500;

        var train = await RunAsync("train");

        Assert.Equal(1, train.ExitCode);
        Assert.Contains("creating the Kubeflow Pipelines run failed", train.All);
        Assert.Contains("answered HTTP 500", train.All);
        Assert.DoesNotContain("created:", train.All);
        Assert.DoesNotContain("ended FAILED", train.All);
        Assert.Single(_kfp.Created);
    }

    [Fact]
    public async Task A_pipeline_version_without_that_name_is_found_by_its_one_display_name()
    {
        Write(version: "Iris v7");
        await FetchAsync();

        var train = await RunAsync("train");

        Assert.True(train.ExitCode == 0, train.All + Faults);
        Assert.Equal("pv-7", Assert.Single(_kfp.Created)["pipeline_version_reference"]!["pipeline_version_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_run_found_in_a_list_without_task_details_is_fetched_before_its_artifact_is_read()
    {
        _kfp.ListOmitsDetails = true;
        await FetchAsync();
        Assert.Equal(0, (await RunAsync("train")).ExitCode);
        Directory.Delete(_world.ArtifactsDir, recursive: true);
        await FetchAsync();

        var again = await RunAsync("train");

        Assert.True(again.ExitCode == 0, again.All + Faults);
        Assert.Contains("attaching to Kubeflow Pipelines run", again.All);
        Assert.Single(_kfp.Created);
        Assert.Equal("weights-kfp", File.ReadAllText(Path.Combine(Output, "model.bin")));
    }

    [Fact]
    public async Task Ctrl_C_finishes_the_cancel_through_a_429_with_retry_after_and_exits_130()
    {
        Write(timeoutSeconds: 600);
        _kfp.Outcome = null;
        _kfp.TerminateAnswers.Enqueue((429, "3"));
        await FetchAsync();

        var result = await SigInt.RunUntilAsync(_world.Root, ["train"], RemoteKit.Env,
            () => _kfp.Requests.Count(r => r.StartsWith("GET /apis/v2beta1/runs/", StringComparison.Ordinal)) >= 2);

        Assert.True(result.ExitCode == 130, result.All);
        Assert.Equal(2, _kfp.Requests.Count(r => r.EndsWith(":terminate", StringComparison.Ordinal)));
        Assert.Single(_kfp.Terminated);
        Assert.Contains("HTTP 429; retrying in 3", result.All);
        Assert.Contains("cancel requested", result.All);
    }

    public async Task DisposeAsync()
    {
        await _kfp.DisposeAsync();
        await _store.DisposeAsync();
        _world.Dispose();
    }
}
