using System.Formats.Tar;
using System.Text.Json.Nodes;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.RemoteTraining;

/// <summary>
/// A world whose model "tiny" trains on the runpod backend against a fake RunPod serverless endpoint
/// (<see cref="FakeRunPod"/>), with iris.csv to fetch; the set-up the RunPod test classes share.
/// </summary>
internal sealed class RunPodWorld : IAsyncDisposable
{
    private RunPodWorld(FakeRunPod endpoint) => Endpoint = endpoint;

    public TestWorld World { get; } = new();

    public FakeRunPod Endpoint { get; }

    /// <param name="input">Extra <c>training.runpod.input</c> the job request carries.</param>
    public static async Task<RunPodWorld> StartAsync(JsonObject? input = null)
    {
        var runpod = new RunPodWorld(await FakeRunPod.StartAsync(RemoteKit.RunPodKey));
        runpod.Endpoint.Data["iris.csv"] = RemoteKit.Csv;
        RemoteKit.WritePipeline(runpod.World, runpodUrl: runpod.Endpoint.BaseUrl.TrimEnd('/'));
        var options = new JsonObject { ["endpointId"] = runpod.Endpoint.EndpointId };
        if (input is not null) options["input"] = input;
        RemoteKit.WriteModel(runpod.World, "tiny", "runpod", runpod.Endpoint.BaseUrl, options);
        return runpod;
    }

    /// <summary>The endpoint's next job output: a tar.gz archive written by <paramref name="write"/>, and its sha256
    /// (or a wrong one).</summary>
    public void Serve(Action<TarWriter> write, bool rightDigest = true)
    {
        var path = Path.Combine(World.Root, $"out-{Guid.NewGuid():N}.tar.gz");
        ArchiveCorpus.TarGz(path, write);
        Endpoint.Archive = File.ReadAllBytes(path);
        Endpoint.ReportedSha256 = rightDigest ? RemoteKit.Sha256(Endpoint.Archive) : new string('0', 64);
        File.Delete(path);
    }

    public Task<Modelpipe.Result> RunAsync(params string[] args) => Modelpipe.RunAsync(World.Root, args, RemoteKit.Env);

    public async ValueTask DisposeAsync()
    {
        await Endpoint.DisposeAsync();
        World.Dispose();
    }
}
