using System.Formats.Tar;
using System.Text.Json;
using ModelPipeline.Oci;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Packaging;

/// <summary>PackageModelCar on the embedded default: an OCI image layout, no registry, no docker.</summary>
public sealed class ModelCarLayoutTests
{
    private static object Layout(object? extra = null) => extra ?? new { destination = "oci-layout", layoutDir = ".pipeline/oci", repository = "localhost/modelzoo" };

    [Fact]
    public async Task Packaging_a_validated_model_writes_the_image_to_the_oci_layout_and_records_its_digest()
    {
        using var world = new TestWorld();
        ValidatedModel.Configure(world, Layout());
        var key = ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));

        Assert.True(run.ExitCode == 0, run.All);
        var record = ValidatedModel.ReadRecord(world, "demo", key);
        Assert.Equal("oci-layout", record.Destination);
        Assert.Equal($"demo-{key[..12]}", record.Tag);
        Assert.Equal($"localhost/modelzoo@{record.Digest}", record.Reference);
        Assert.Equal($"oci://localhost/modelzoo@{record.Digest}", record.StorageUri);
        Assert.Contains(record.Warnings, w => w.StartsWith("shell:", StringComparison.Ordinal));
        Assert.Contains("has no /bin/sh", run.All, StringComparison.Ordinal);

        var layout = new OciLayout(Path.Combine(world.Root, ".pipeline/oci"));
        Assert.Equal(record.Digest, layout.Resolve(record.Tag)?.Digest);
        var manifest = JsonDocument.Parse(File.ReadAllBytes(layout.BlobPath(record.Digest))).RootElement;
        var annotations = manifest.GetProperty("annotations");
        Assert.Equal("demo", annotations.GetProperty("org.opencontainers.image.title").GetString());
        Assert.Equal(key, annotations.GetProperty("dev.modelpipeline.training-key").GetString());
        // No SOURCE_DATE_EPOCH and the model folder is in no git repository: the fixed epoch, never the clock.
        Assert.Equal("1970-01-01T00:00:00Z", annotations.GetProperty("org.opencontainers.image.created").GetString());

        var layer = manifest.GetProperty("layers")[0].GetProperty("digest").GetString()!;
        var entries = ReadTar(layout.BlobPath(layer));
        Assert.Equal(["models/", "models/metrics.json", "models/model.onnx", "models/tokenizer/", "models/tokenizer/vocab.txt"], entries.Select(e => e.Name));
        Assert.All(entries, e => Assert.Equal((0, 0), (e.Uid, e.Gid)));
        Assert.All(entries.Where(e => e.EntryType == TarEntryType.Directory), e => Assert.Equal("755", Convert.ToString((int)e.Mode, 8)));
        Assert.All(entries.Where(e => e.EntryType != TarEntryType.Directory), e => Assert.Equal("644", Convert.ToString((int)e.Mode, 8)));
        Assert.All(entries, e => Assert.Equal(DateTimeOffset.UnixEpoch, e.ModificationTime));
    }

    [Fact]
    public async Task The_same_inputs_in_two_workspaces_give_the_same_digest_and_a_rerun_is_skipped()
    {
        using var first = new TestWorld();
        using var second = new TestWorld();
        var digests = new List<string>();
        foreach (var world in new[] { first, second })
        {
            ValidatedModel.Configure(world, Layout());
            var key = ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());
            var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));
            Assert.True(run.ExitCode == 0, run.All);
            digests.Add(ValidatedModel.ReadRecord(world, "demo", key).Digest);
        }
        Assert.Equal(digests[0], digests[1]);

        var again = await Modelpipe.RunAsync(first.Root, ["package", "--model", "demo", "--json"], ValidatedModel.Env(first));
        Assert.True(again.ExitCode == 0, again.All);
        var result = JsonDocument.Parse(again.StdOut).RootElement.GetProperty("results")[0];
        Assert.Equal("skipped", result.GetProperty("result").GetString());
    }

    [Fact]
    public async Task A_file_at_least_the_split_size_gets_a_layer_of_its_own_that_is_reused_when_other_files_change()
    {
        using var world = new TestWorld();
        ValidatedModel.Configure(world, new { layerSplitBytes = 100_000 });
        var files = ValidatedModel.SmallFiles();
        files["weights.bin"] = ValidatedModel.RandomBytes(300_000, 7);
        ValidatedModel.Seed(world, "demo", files);
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world))).ExitCode);

        files["metrics.json"] = """{"accuracy": 0.99}"""u8.ToArray();
        var key = ValidatedModel.Seed(world, "demo", files);
        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo", "--json"], ValidatedModel.Env(world));

        Assert.True(run.ExitCode == 0, run.All);
        var layout = new OciLayout(Path.Combine(world.Root, ".pipeline/oci"));
        var manifest = JsonDocument.Parse(File.ReadAllBytes(layout.BlobPath(ValidatedModel.ReadRecord(world, "demo", key).Digest))).RootElement;
        Assert.Equal(2, manifest.GetProperty("layers").GetArrayLength());
        Assert.Contains("1 blob(s) already present", run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_that_has_not_been_validated_is_refused_and_nothing_is_written()
    {
        using var world = new TestWorld();
        ValidatedModel.Configure(world, Layout());
        var key = ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());
        File.Delete(Path.Combine(world.ArtifactsDir, "demo", "runs", key, "validate.json"));
        var before = world.Files();

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("has not been validated", run.All, StringComparison.Ordinal);
        Assert.Equal(before, world.Files());
    }

    [Fact]
    public async Task A_trained_file_that_changed_size_after_validation_fails_and_leaves_no_blob_or_record()
    {
        using var world = new TestWorld();
        ValidatedModel.Configure(world, Layout());
        var key = ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());
        File.WriteAllBytes(Path.Combine(world.ArtifactsDir, "demo", "runs", key, "output", "model.onnx"), new byte[100]);

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("model.onnx changed while it was packaged", run.All, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(world.ArtifactsDir, "demo", "runs", key, "package.json")));
        var blobs = Path.Combine(world.Root, ".pipeline/oci/blobs/sha256");
        Assert.Empty(Directory.Exists(blobs) ? Directory.GetFiles(blobs) : []);
        Assert.False(File.Exists(Path.Combine(world.Root, ".pipeline/oci/index.json")));
    }

    [Fact]
    public async Task A_trained_file_whose_bytes_changed_but_not_its_size_fails_and_leaves_no_blob_or_record()
    {
        using var world = new TestWorld();
        ValidatedModel.Configure(world, Layout());
        var key = ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());
        var onnx = Path.Combine(world.ArtifactsDir, "demo", "runs", key, "output", "model.onnx");
        var bytes = File.ReadAllBytes(onnx);
        bytes[0] ^= 0xFF;
        File.WriteAllBytes(onnx, bytes);

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("model.onnx changed since it was validated", run.All, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(world.ArtifactsDir, "demo", "runs", key, "package.json")));
        var blobs = Path.Combine(world.Root, ".pipeline/oci/blobs/sha256");
        Assert.Empty(Directory.Exists(blobs) ? Directory.GetFiles(blobs) : []);
    }

    [Fact]
    public async Task A_tag_template_that_gives_an_invalid_tag_is_rejected_with_exit_code_2_and_nothing_is_written()
    {
        using var world = new TestWorld();
        ValidatedModel.Configure(world, new { tagTemplate = "{model}/v1" });
        ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());
        var before = world.Files();

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("$.modelcar.tagTemplate", run.All, StringComparison.Ordinal);
        Assert.Contains("Fix:", run.All, StringComparison.Ordinal);
        Assert.Equal(before, world.Files());
    }

    [Theory]
    [InlineData("latest", "error", "tag: the tag must not be 'latest'")]
    [InlineData("{model}-{key12}", "error", "shell: base image 'scratch' has no /bin/sh")]
    public async Task Lint_errors_stop_packaging_before_anything_is_written(string tagTemplate, string lintShell, string expected)
    {
        using var world = new TestWorld();
        ValidatedModel.Configure(world, new { tagTemplate, lintShell });
        ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());
        var before = world.Files();

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("failed lint; nothing was written", run.All, StringComparison.Ordinal);
        Assert.Contains(expected, run.All, StringComparison.Ordinal);
        Assert.Equal(before, world.Files());
    }

    [Fact]
    public async Task An_unknown_destination_in_pipeline_json_is_rejected_with_exit_code_2()
    {
        using var world = new TestWorld();
        ValidatedModel.Configure(world, new { destination = "ftp" });
        ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());
        var before = world.Files();

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("$.modelcar.destination", run.All, StringComparison.Ordinal);
        Assert.Equal(before, world.Files());
    }

    [RegistryFact]
    public async Task Skopeo_reads_the_layout_and_agrees_on_the_digest()
    {
        using var world = new TestWorld();
        ValidatedModel.Configure(world, Layout());
        var key = ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world))).ExitCode);
        var record = ValidatedModel.ReadRecord(world, "demo", key);

        var inspect = JsonDocument.Parse(await Tools.RunOkAsync("skopeo", "inspect", $"oci:{world.Root}/.pipeline/oci:{record.Tag}")).RootElement;

        Assert.Equal(record.Digest, inspect.GetProperty("Digest").GetString());
        Assert.Equal(key, inspect.GetProperty("Labels").GetProperty("dev.modelpipeline.training-key").GetString());
    }

    [Fact]
    public async Task A_later_version_tag_in_the_layout_points_at_the_same_manifest_and_writes_no_blob()
    {
        using var world = new TestWorld();
        ValidatedModel.Configure(world, Layout());
        var key = ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());
        Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world))).ExitCode);
        var record = ValidatedModel.ReadRecord(world, "demo", key);
        var blobs = Directory.GetFiles(Path.Combine(world.Root, ".pipeline/oci/blobs/sha256")).Order().ToList();

        var config = ModelPipeline.Configuration.ConfigLoader.Load(world.Root, environment: new Dictionary<string, string>());
        using var registries = new RegistryConnector(config.Registry, ModelPipeline.Progress.NullReporter.Instance, new Dictionary<string, string>());
        // What PushMirrors does once it has allocated v1 (PublishedImage, from the zoo record's image).
        await new ModelPipeline.Packaging.PublishedImage(config, registries).SetTagAsync(new ModelPipeline.Zoo.ZooImage { Repository = record.Repository, Tag = record.Tag, Digest = record.Digest, Reference = record.Reference, StorageUri = record.StorageUri, Destination = record.Destination }, "demo-v1", CancellationToken.None);

        var layout = new OciLayout(Path.Combine(world.Root, ".pipeline/oci"));
        Assert.Equal(record.Digest, layout.Resolve("demo-v1")?.Digest);
        Assert.Equal(record.Digest, layout.Resolve(record.Tag)?.Digest);
        Assert.Equal(blobs, Directory.GetFiles(Path.Combine(world.Root, ".pipeline/oci/blobs/sha256")).Order().ToList());
    }

    [RegistryFact]
    public async Task Gzip_layers_are_reproducible_and_skopeo_copies_them_intact()
    {
        var digests = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var world = new TestWorld();
            ValidatedModel.Configure(world, new { compression = "gzip" });
            var key = ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());
            Assert.Equal(0, (await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world))).ExitCode);
            var record = ValidatedModel.ReadRecord(world, "demo", key);
            digests.Add(record.Digest);
            var copy = Path.Combine(world.Root, "copy");
            await Tools.RunOkAsync("skopeo", "copy", "--quiet", $"oci:{world.Root}/.pipeline/oci:{record.Tag}", $"dir:{copy}");
            var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(copy, "manifest.json"))).RootElement;
            Assert.Equal(MediaTypes.OciLayerGzip, manifest.GetProperty("layers")[0].GetProperty("mediaType").GetString());
        }
        Assert.Equal(digests[0], digests[1]);
    }

    private static List<TarEntry> ReadTar(string path)
    {
        using var reader = new TarReader(File.OpenRead(path));
        var entries = new List<TarEntry>();
        while (reader.GetNextEntry() is { } e) entries.Add(e);
        return entries;
    }
}
