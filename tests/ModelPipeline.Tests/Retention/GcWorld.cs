using System.Text.Json;
using ModelPipeline.Configuration;
using ModelPipeline.GitOps;
using ModelPipeline.Models;
using ModelPipeline.Oci;
using ModelPipeline.Packaging;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;
using ModelPipeline.Tests.Trust;
using ModelPipeline.Zoo;

namespace ModelPipeline.Tests.Retention;

/// <summary>
/// A world with many published versions of "demo": each version is other trained bytes, packaged by the
/// real packager (SBOM and provenance attached), published by PushMirrors' library step and signed with
/// a key held in a variable only this world uses. GitOps pins and promotions are written like the steps do.
/// </summary>
internal sealed class GcWorld : IDisposable
{
    private readonly string _keyVariable = "MP_GC_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

    public GcWorld(object modelcar)
    {
        World = new TestWorld();
        Key = TrustKit.NewKey(World, "signer");
        ValidatedModel.Configure(World, modelcar);
        World.SetSection("signing", JsonSerializer.Serialize(new { keyEnv = _keyVariable }));
        Environment.SetEnvironmentVariable(_keyVariable, Key.PrivatePem);
    }

    public TestWorld World { get; }

    public TrustKit.KeyPair Key { get; }

    /// <summary>version → image digest.</summary>
    public Dictionary<int, string> Digests { get; } = [];

    public PipelineConfig Config => ConfigLoader.Load(World.Root);

    public async Task PublishAsync(int count)
    {
        var state = new RunStateStore(World.ArtifactsDir);
        using var registries = new RegistryConnector(Config.Registry, NullReporter.Instance);
        var first = Digests.Count + 1;
        for (var i = first; i < first + count; i++)
        {
            ValidatedModel.Seed(World, "demo", ValidatedModel.SmallFiles(i));
            var definition = ModelCatalog.Load(World.Root, ["demo"]).Single();
            var packager = new ModelCarPackager(Config, state, NullReporter.Instance, registries);
            var package = await packager.PackageAsync(definition);
            var zoo = await new ZooPushStep(Config, state, NullReporter.Instance).RunAsync(definition, default);
            Assert.Equal(i, zoo.Version);
            Digests[i] = package.Record.Digest;
        }
    }

    /// <summary>Publishes another version that records the image of <paramref name="sameAs"/> (another training
    /// key, same digest).</summary>
    public async Task PublishSameImageAsync(int sameAs)
    {
        var state = new RunStateStore(World.ArtifactsDir);
        var first = state.ReadRun<PackageRecord>("demo", state.CurrentKey("demo")!, "package")!;
        Assert.Equal(Digests[sameAs], first.Digest);
        var files = new Dictionary<string, byte[]>(ValidatedModel.SmallFiles(sameAs))
        {
            ["extra.txt"] = "x"u8.ToArray(),
        };
        var key = ValidatedModel.Seed(World, "demo", files);
        state.WriteRun("demo", key, "package", first with { TrainingKey = key });
        var definition = ModelCatalog.Load(World.Root, ["demo"]).Single();
        var zoo = await new ZooPushStep(Config, state, NullReporter.Instance).RunAsync(definition, default);
        Digests[zoo.Version] = first.Digest;
    }

    /// <summary>Writes <c>ENV/demo/config.yaml</c> pinning <paramref name="version"/>: on the GitOps branch, or on
    /// <paramref name="branch"/>.</summary>
    public async Task PinAsync(string environment, int version, string? branch = null)
    {
        var repository = ImageRepository();
        var yaml = ConfigYaml.Serialize(new EnvironmentConfig
        {
            Name = "demo", Environment = environment, ModelVersion = version, ImageRepository = repository,
            ImageDigest = Digests[version], StorageUri = $"oci://{repository}@{Digests[version]}", Runtime = "onnx",
        });
        var path = EnvironmentConfig.PathFor(environment, "demo");
        if (branch is null)
        {
            await GitOpsRepository.CommitFileAsync(Config, NullReporter.Instance, path, yaml,
                $"{environment}: demo v{version}\n", default);
            return;
        }
        using var repo = await GitOpsRepository.OpenAsync(Config, NullReporter.Instance, default);
        await repo.PushBranchAsync(branch, path, yaml, $"{environment}: promote demo v{version}\n", default);
    }

    public string ImageRepository()
    {
        using var zoo = new ZooRepository(Config, NullReporter.Instance).ReadAsync(default).GetAwaiter().GetResult();
        return zoo.Resolve("demo", "v1").Manifest.Image.Repository;
    }

    public Dictionary<string, string?> Env(bool ci = true) => ValidatedModel.Env(World, ("CI", ci ? "true" : null));

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_keyVariable, null);
        World.Dispose();
    }
}
