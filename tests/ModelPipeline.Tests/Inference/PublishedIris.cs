using System.Text.RegularExpressions;
using ModelPipeline.Tests.Serving;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Inference;

/// <summary>
/// The real iris model trained, validated, packaged and published to the embedded default zoo, and
/// <c>modelpipe serve iris@latest</c> running on it (a free loopback port, a 64 KiB body limit).
/// </summary>
public sealed partial class PublishedIris : IAsyncLifetime
{
    public const long BodyLimit = 64 * 1024;

    private readonly TrainedIris _trained = new();

    public TestWorld World { get; private set; } = null!;

    public DaemonProcess Server { get; private set; } = null!;

    /// <summary>The server's base address, as it printed it (<c>http://127.0.0.1:PORT/</c>).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The trained files the version was published from (model.onnx, test_vectors.json).</summary>
    public string OutputDir { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _trained.InitializeAsync();
        World = _trained.World;
        foreach (var verb in new[] { "validate", "package", "push" })
        {
            var result = await Modelpipe.RunAsync(World.Root, verb);
            Assert.True(result.ExitCode == 0, $"{verb}: {result.All}");
        }
        OutputDir = Path.Combine(Directory.GetDirectories(Path.Combine(World.ArtifactsDir, "iris", "runs")).Single(), "output");
        Server = DaemonProcess.Start(World.Root, ["serve", "iris@latest", "--port", "0", "--max-body-bytes", BodyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await Server.UntilAsync(() => Listening().IsMatch(Server.Output), TimeSpan.FromMinutes(2), "the server to listen");
        Address = new Uri(Listening().Match(Server.Output).Groups[1].Value);
    }

    /// <summary>A new world holding a copy of this one (model, run state, zoo, OCI layout).</summary>
    public TestWorld CopyWorld() => _trained.CopyWorld();

    public async Task DisposeAsync()
    {
        if (!Server.HasExited) Server.Terminate();
        await Server.WaitAsync(TimeSpan.FromSeconds(30));
        Server.Dispose();
        await _trained.DisposeAsync();
    }

    [GeneratedRegex(@"serving iris v1 at (http://127\.0\.0\.1:[0-9]+/)v2/models/iris ")]
    private static partial Regex Listening();
}
