using System.Formats.Tar;
using System.Text.Json.Nodes;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.RemoteTraining;

/// <summary>The runpod backend against hostile or broken answers (issue 19): ids, huge outputs, refused archives.</summary>
public sealed class RunPodEdgeTests : IAsyncLifetime
{
    private RunPodWorld _runpod = null!;

    private TestWorld World => _runpod.World;

    private FakeRunPod Endpoint => _runpod.Endpoint;

    public async Task InitializeAsync()
    {
        _runpod = await RunPodWorld.StartAsync();
        Assert.Equal(0, (await RunAsync("fetch")).ExitCode);
    }

    private void Serve(bool rightDigest) =>
        _runpod.Serve(tar => ArchiveCorpus.Entry(tar, "models/model.bin", "weights-rp"), rightDigest);

    private Task<Modelpipe.Result> RunAsync(params string[] args) => _runpod.RunAsync(args);

    [Fact]
    public async Task A_job_id_that_would_climb_out_of_the_run_folder_is_refused_before_it_reaches_a_path_or_url()
    {
        // Path.Combine(runDir, "archive." + id + ".part") with this id would land on the world's root.
        var victim = Path.Combine(World.Root, "victim.part");
        File.WriteAllText(victim, "precious");
        Endpoint.NextJobId = "/../../../../../victim";
        Serve(rightDigest: true);

        var train = await RunAsync("train");

        Assert.Equal(1, train.ExitCode);
        Assert.Contains("RunPod answered a job id '/../../../../../victim' that is not a valid id", train.All);
        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.DoesNotContain(Endpoint.Requests, r => r.Contains("/status/", StringComparison.Ordinal) || r.StartsWith("GET /files", StringComparison.Ordinal));
        Assert.Empty(Directory.EnumerateFiles(World.ArtifactsDir, "remote.json", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_huge_job_output_is_quoted_only_in_part_in_the_message_and_the_records()
    {
        Endpoint.Output = JsonValue.Create(new string('x', 10_700_000));

        var train = await RunAsync("train");

        Assert.Equal(1, train.ExitCode);
        Assert.Contains("its output names no archive", train.All);
        Assert.Contains("characters in all", train.All);
        Assert.True(train.All.Length < 20_000, $"the output is {train.All.Length} characters");
        foreach (var file in Directory.EnumerateFiles(World.ArtifactsDir, "*", SearchOption.AllDirectories))
            Assert.True(new FileInfo(file).Length < 64 << 10, $"{file} is {new FileInfo(file).Length} bytes");
    }

    [Fact]
    public async Task A_job_whose_archive_was_refused_is_not_attached_to_again_and_the_rerun_submits_a_new_job()
    {
        Serve(rightDigest: false);
        var refused = await RunAsync("train");
        Serve(rightDigest: true);

        var again = await RunAsync("train");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("the archive does not match the digest the job reported", refused.All);
        Assert.Contains("is marked unusable; re-running Train submits a new job", refused.All);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.DoesNotContain("attaching", again.All);
        Assert.Equal(2, Endpoint.Submitted.Count);
        var output = Path.Combine(World.ArtifactsDir, "tiny", "runs", RemoteKit.OnlyKey(World, "tiny"), "output", "model.bin");
        Assert.Equal("weights-rp", File.ReadAllText(output));
    }

    [Fact]
    public async Task A_hostile_archive_marks_the_job_unusable_too()
    {
        var path = Path.Combine(World.Root, "dup.tar.gz");
        ArchiveCorpus.TarGz(path, tar =>
        {
            ArchiveCorpus.Entry(tar, "models/model.bin", "weights");
            ArchiveCorpus.Entry(tar, "models/model.bin", "replaced after the check");
        });
        Endpoint.Archive = File.ReadAllBytes(path);
        Endpoint.ReportedSha256 = RemoteKit.Sha256(Endpoint.Archive);

        var train = await RunAsync("train");

        Assert.Equal(1, train.ExitCode);
        Assert.Contains("names 'model.bin' a second time", train.All);
        Assert.Contains("is marked unusable", train.All);
        Assert.DoesNotContain("unexpected error", train.All);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_archive_larger_than_maxArchiveBytes_is_stopped_while_streaming_with_or_without_content_length(bool withLength)
    {
        RemoteKit.WriteModel(World, "tiny", "runpod", Endpoint.BaseUrl,
            new JsonObject { ["endpointId"] = Endpoint.EndpointId, ["maxArchiveBytes"] = 1 << 20 });
        const long Total = 256L << 20;
        Endpoint.StreamedArchiveBytes = Total;
        Endpoint.StreamedLength = withLength;
        Endpoint.ReportedSha256 = new string('0', 64);

        var train = await RunAsync("train");

        Assert.Equal(1, train.ExitCode);
        Assert.Contains("is larger than 1,048,576 bytes (maxArchiveBytes", train.All);
        Assert.Contains("is marked unusable", train.All);
        Assert.DoesNotContain("unexpected error", train.All);
        // The cap message itself proves the limit held while streaming: the reported sha256 is wrong, so a download
        // that ran to the end would fail on the digest instead. (How many bytes the fake got into the socket before
        // the client hung up depends on scheduling, so it is not asserted.)
        Assert.Empty(Directory.EnumerateFiles(World.ArtifactsDir, "archive.*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(World.ArtifactsDir, "model.bin", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_maxArchiveBytes_below_1_is_invalid_input_naming_the_field()
    {
        RemoteKit.WriteModel(World, "tiny", "runpod", Endpoint.BaseUrl,
            new JsonObject { ["endpointId"] = Endpoint.EndpointId, ["maxArchiveBytes"] = 0 });

        var train = await RunAsync("train");

        Assert.Equal(2, train.ExitCode);
        Assert.Contains("maxArchiveBytes", train.All);
        Assert.Empty(Endpoint.Submitted);
    }

    public Task DisposeAsync() => _runpod.DisposeAsync().AsTask();
}
