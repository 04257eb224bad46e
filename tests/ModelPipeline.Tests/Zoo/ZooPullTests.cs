using System.Formats.Tar;
using System.Text;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Zoo;

public sealed class ZooPullTests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    private string Layout => Path.Combine(_world.Root, ".pipeline", "oci");

    private string Target => Path.Combine(_world.Root, "pulled", "demo");

    [Fact]
    public async Task Pull_extracts_the_models_files_of_the_resolved_version_verified()
    {
        var v1 = (await _world.PublishVariantsAsync(2))[0];

        var result = await Modelpipe.RunAsync(_world.Root, "pull", "demo@v1", "--to", Target);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains($"demo v1 ({v1.Digest})", result.StdOut);
        Assert.Equal(["metrics.json", "model.onnx"], Directory.GetFiles(Target).Select(Path.GetFileName).Order());
        foreach (var (name, data) in v1.Files)
            Assert.Equal(data, File.ReadAllBytes(Path.Combine(Target, name)));
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(Target)!, ".demo.pull-*"));
    }

    [Fact]
    public async Task Pull_rejects_a_tampered_blob_and_leaves_nothing_in_the_folder()
    {
        var seeded = await _world.SeedPackagedAsync();
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "push")).ExitCode);
        var layer = OciLayoutWriter.BlobPath(Layout, OciLayoutWriter.Layers(Layout, seeded.Digest).Single());
        var bytes = File.ReadAllBytes(layer);
        bytes[^10] ^= 0x55;
        File.WriteAllBytes(layer, bytes);
        Directory.CreateDirectory(Target);

        var result = await Modelpipe.RunAsync(_world.Root, "pull", "demo@latest", "--to", Target);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("digest mismatch", result.StdErr);
        Assert.Contains("refusing the image", result.StdErr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Target));
        Assert.Single(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(Target)!));
    }

    [Fact]
    public async Task Pull_rejects_a_tampered_uncompressed_layer_written_by_PackageModelCar()
    {
        var key = ValidatedModel.Seed(_world, "demo", ValidatedModel.SmallFiles());
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, ["package"], ValidatedModel.Env(_world))).ExitCode);
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "push")).ExitCode);
        var digest = _world.ReadRun<ModelPipeline.Packaging.PackageRecord>("demo", key, "package").Digest;
        var layer = OciLayoutWriter.BlobPath(Layout, OciLayoutWriter.Layers(Layout, digest)[^1]);
        var bytes = File.ReadAllBytes(layer);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(layer, bytes);

        var result = await Modelpipe.RunAsync(_world.Root, "pull", "demo@v1", "--to", Target);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("digest mismatch", result.StdErr);
        Assert.False(Directory.Exists(Target));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(Target)!));
    }

    [Fact]
    public async Task Pull_rejects_a_manifest_blob_replaced_by_another_image()
    {
        var seeded = await _world.SeedPackagedAsync();
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "push")).ExitCode);
        var other = await OciLayoutWriter.WriteModelImageAsync(Layout, new Dictionary<string, byte[]> { ["model.onnx"] = Encoding.UTF8.GetBytes("other weights") }, "other");
        File.Copy(OciLayoutWriter.BlobPath(Layout, other), OciLayoutWriter.BlobPath(Layout, seeded.Digest), overwrite: true);

        var result = await Modelpipe.RunAsync(_world.Root, "pull", "demo@latest", "--to", Target);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("image manifest: digest mismatch", result.StdErr);
        Assert.False(Directory.Exists(Target));
    }

    [Fact]
    public async Task Pull_rejects_an_intact_image_whose_files_differ_from_the_zoo_manifest()
    {
        var v1 = await _world.SeedPackagedAsync(variant: 1);
        var v2 = await _world.SeedPackagedAsync(variant: 2);
        var package = Path.Combine(_world.ArtifactsDir, "demo", "runs", v2.TrainingKey, "package.json");
        File.WriteAllText(package, File.ReadAllText(package).Replace(v2.Digest, v1.Digest, StringComparison.Ordinal));
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "push")).ExitCode);

        var result = await Modelpipe.RunAsync(_world.Root, "pull", "demo@v1", "--to", Target);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the image does not hold the files the zoo lists", result.StdErr);
        Assert.Contains("model.onnx: sha256", result.StdErr);
        Assert.False(Directory.Exists(Target));
    }

    public static TheoryData<string, string> HostileEntries => new()
    {
        { "traversal", "contains '..'" },
        { "symlink-out", "outside /models" },
        { "hardlink-out", "outside /models" },
        { "device", "may not hold" },
        { "symlink-chain", "climbs with '..'" },
    };

    [Theory]
    [MemberData(nameof(HostileEntries))]
    public async Task Pull_refuses_layer_entries_that_would_leave_the_folder(string kind, string message)
    {
        var seeded = await _world.SeedPackagedAsync();
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "push")).ExitCode);
        TarEntry[] hostile = kind switch
        {
            "traversal" => [new PaxTarEntry(TarEntryType.RegularFile, "models/../../escaped.txt") { DataStream = new MemoryStream("x"u8.ToArray()) }],
            "symlink-out" => [new PaxTarEntry(TarEntryType.SymbolicLink, "models/passwd") { LinkName = "/etc/passwd" }],
            "hardlink-out" => [new PaxTarEntry(TarEntryType.HardLink, "models/shadow") { LinkName = "etc/shadow" }],
            "symlink-chain" =>
            [
                new PaxTarEntry(TarEntryType.SymbolicLink, "models/s") { LinkName = "." },
                new PaxTarEntry(TarEntryType.SymbolicLink, "models/t") { LinkName = "s/.." },
                new PaxTarEntry(TarEntryType.RegularFile, "models/t/escaped.txt") { DataStream = new MemoryStream("x"u8.ToArray()) },
            ],
            _ => [new PaxTarEntry(TarEntryType.CharacterDevice, "models/null")],
        };
        var entries = new List<TarEntry>(seeded.Files.Select(f => (TarEntry)new PaxTarEntry(TarEntryType.RegularFile, "models/" + f.Key) { DataStream = new MemoryStream(f.Value) }));
        entries.AddRange(hostile);
        var digest = await OciLayoutWriter.WriteImageAsync(Layout, "hostile", entries);
        // Point the published version at the hostile image by re-publishing under a new key.
        var state = new ModelPipeline.RunState.RunStateStore(_world.ArtifactsDir);
        var v2 = await _world.SeedPackagedAsync(variant: 2);
        var package = File.ReadAllText(Path.Combine(state.RunDir("demo", v2.TrainingKey), "package.json")).Replace(v2.Digest, digest, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(state.RunDir("demo", v2.TrainingKey), "package.json"), package);
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "push")).ExitCode);

        var result = await Modelpipe.RunAsync(_world.Root, "pull", "demo@v2", "--to", Target);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.StdErr);
        Assert.False(Directory.Exists(Target));
        Assert.False(File.Exists(Path.Combine(_world.Root, "escaped.txt")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(Target)!));
    }

    [Fact]
    public async Task Pull_into_a_folder_that_is_not_empty_exits_2_and_touches_nothing()
    {
        await _world.SeedPackagedAsync();
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "push")).ExitCode);
        Directory.CreateDirectory(Target);
        File.WriteAllText(Path.Combine(Target, "keep.txt"), "mine");

        var result = await Modelpipe.RunAsync(_world.Root, "pull", "demo@v1", "--to", Target);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is not empty", result.StdErr);
        Assert.Equal(["keep.txt"], Directory.GetFiles(Target).Select(Path.GetFileName));
    }
}
