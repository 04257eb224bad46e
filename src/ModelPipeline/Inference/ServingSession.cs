using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Models;
using ModelPipeline.Progress;
using ModelPipeline.Zoo;
using ModelPipeline.Zoo.Pull;

namespace ModelPipeline.Inference;

/// <summary>
/// <c>modelpipe serve NAME@REF</c>: pulls the version's ModelCar by digest with <c>pull</c>'s
/// verification (signature when configured, every blob, every file against the zoo manifest) into a
/// private temporary folder, loads its ONNX file into ONNX Runtime and serves it over the Open
/// Inference Protocol (<see cref="InferenceServer"/>). Disposing stops the server and deletes the folder.
/// </summary>
public sealed class ServingSession : IAsyncDisposable
{
    private readonly string _workDir;

    private ServingSession(string workDir, ServedModel model, InferenceServer server)
    {
        _workDir = workDir;
        Model = model;
        Server = server;
    }

    public ServedModel Model { get; }

    public InferenceServer Server { get; }

    /// <param name="zooRoot">The zoo snapshot <paramref name="version"/> was resolved in (its model.json names the ONNX file).</param>
    public static async Task<ServingSession> StartAsync(PipelineConfig config, IPipelineReporter reporter, string zooRoot,
        ResolvedVersion version, string? layoutDir, InferenceServerOptions options, CancellationToken ct)
    {
        var onnx = OnnxFile(zooRoot, version);
        var work = Directory.CreateTempSubdirectory("modelpipe-serve-").FullName;
        ServedModel? model = null;
        try
        {
            var files = Path.Combine(work, "models");
            await new ModelPuller(config, reporter).PullAsync(version, layoutDir, files, ct);
            model = ServedModel.Load(version.Model, $"v{version.Version.Version}", Path.Combine(files, onnx));
            var server = await InferenceServer.StartAsync(model, options, ct);
            return new ServingSession(work, model, server);
        }
        catch
        {
            model?.Dispose();
            Directory.Delete(work, recursive: true);
            throw;
        }
    }

    /// <summary>The ONNX file of a version: <c>validation.onnxModel</c> of its recorded model.json, else its only .onnx file.</summary>
    public static string OnnxFile(string zooRoot, ResolvedVersion version)
    {
        var label = $"{version.Model} v{version.Version.Version}";
        var definition = Path.Combine(ZooLayout.VersionDir(zooRoot, version.Model, version.Version.Version), "model.json");
        var named = File.Exists(definition) ? ZooLayout.Read<ModelDefinition>(definition).Validation.OnnxModel : null;
        if (named is not null && version.Manifest.Files.Any(f => f.Path == named)) return named;
        var onnx = version.Manifest.Files.Where(f => f.Path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)).ToList();
        return onnx.Count == 1 ? onnx[0].Path : throw new InvalidInputException(
            $"{label} names no ONNX file to serve ($.validation.onnxModel of its model.json) and has {onnx.Count} .onnx file(s). " +
            "Fix: serve a version of a model with validation.onnxModel set.") { Model = version.Model };
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Model.Dispose();
        Directory.Delete(_workDir, recursive: true);
    }
}
