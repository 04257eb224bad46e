using System.Text.Json.Nodes;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Importing;

/// <summary><c>modelpipe import</c> from a local folder or file, on the embedded local default (zoo, OCI layout).</summary>
public sealed class ImportLocalTests
{
    [Fact]
    public async Task Importing_a_Hugging_Face_folder_publishes_a_zoo_version_whose_record_and_provenance_name_the_source()
    {
        using var world = new TestWorld();
        ImportKit.Configure(world);
        ImportKit.WriteModel(world);
        var folder = ImportKit.WriteHfFolder(Path.Combine(world.Root, "trained", "bert-tiny"));
        Directory.CreateDirectory(Path.Combine(folder, ".git"));
        File.WriteAllText(Path.Combine(folder, ".git", "HEAD"), "ref: refs/heads/main\n");

        var run = await ImportKit.ImportAsync(world, "bert-tiny", "--from", "trained/bert-tiny");

        Assert.True(run.ExitCode == 0, run.All);
        var row = ImportKit.Row(run);
        Assert.Equal("ok", row["result"]!.GetValue<string>());
        var data = row["data"]!;
        Assert.Equal(1, data["version"]!.GetValue<int>());
        Assert.StartsWith("Hugging Face-style folder: config.json, 1 weights file(s), 2 tokenizer file(s)",
            data["layout"]!.GetValue<string>(), StringComparison.Ordinal);
        var manifest = await ImportKit.ZooManifestAsync(world, "bert-tiny", 1);
        Assert.Equal("import", manifest["trainingBackend"]!.GetValue<string>());
        Assert.Equal("folder", manifest["importedFrom"]!["kind"]!.GetValue<string>());
        Assert.Equal("trained/bert-tiny", manifest["importedFrom"]!["uri"]!.GetValue<string>());
        Assert.True(manifest["importedFrom"]!["huggingFace"]!.GetValue<bool>());
        var files = manifest["files"]!.AsArray().Select(f => f!["path"]!.GetValue<string>()).ToList();
        Assert.Equal(["config.json", "metrics.json", "model.safetensors", "tokenizer.json", "vocab.txt"], files);
        var statement = ImportKit.Provenance(world, manifest["image"]!["provenance"]!.GetValue<string>());
        var dependency = statement["predicate"]!["buildDefinition"]!["resolvedDependencies"]!.AsArray()
            .Single(d => d!["name"]!.GetValue<string>() == "import:folder")!;
        Assert.Equal("trained/bert-tiny", dependency["uri"]!.GetValue<string>());
        Assert.Equal(data["importedFrom"]!["sha256"]!.GetValue<string>(), dependency["digest"]!["sha256"]!.GetValue<string>());
        Assert.Equal("import", statement["predicate"]!["buildDefinition"]!["internalParameters"]!["trainingBackend"]!.GetValue<string>());
        var card = await BareRepo.GitAsync(ImportKit.ZooRepo(world), "show", "main:models/bert-tiny/v1/README.md");
        Assert.Contains("- Imported from: `trained/bert-tiny` (folder, sha256 `", card, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Importing_one_file_with_its_sha256_and_metrics_publishes_it_and_the_same_file_again_reuses_that_version()
    {
        using var world = new TestWorld();
        ImportKit.Configure(world);
        ImportKit.WriteModel(world, "encoder", "import", "model.safetensors", "metrics.json");
        var weights = Path.Combine(world.Root, "model.safetensors");
        File.WriteAllBytes(weights, ImportKit.Safetensors(7));
        File.WriteAllText(Path.Combine(world.Root, "eval.json"), """{"accuracy": 0.93}""");
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(weights)));

        var first = await ImportKit.ImportAsync(world, "encoder", "--from", "model.safetensors", "--sha256", sha, "--metrics", "eval.json");
        var again = await ImportKit.ImportAsync(world, "encoder", "--from", weights, "--metrics", "eval.json");

        Assert.True(first.ExitCode == 0, first.All);
        Assert.True(again.ExitCode == 0, again.All);
        var firstData = ImportKit.Row(first)["data"]!;
        var againRow = ImportKit.Row(again);
        Assert.Equal("skipped", againRow["result"]!.GetValue<string>());
        Assert.True(againRow["data"]!["alreadyPublished"]!.GetValue<bool>());
        Assert.Equal(firstData["digest"]!.GetValue<string>(), againRow["data"]!["digest"]!.GetValue<string>());
        Assert.Equal(1, againRow["data"]!["version"]!.GetValue<int>());
        var manifest = await ImportKit.ZooManifestAsync(world, "encoder", 1);
        Assert.Equal("file", manifest["importedFrom"]!["kind"]!.GetValue<string>());
        Assert.Equal(sha, manifest["importedFrom"]!["sha256"]!.GetValue<string>());
        Assert.Equal(0.93, JsonNode.Parse(await BareRepo.GitAsync(ImportKit.ZooRepo(world), "show", "main:models/encoder/v1/metrics.json"))!
            ["accuracy"]!.GetValue<double>());
    }

    [Fact]
    public async Task A_Hugging_Face_cache_snapshot_of_links_to_blobs_is_imported_as_the_files_they_name()
    {
        using var world = new TestWorld();
        ImportKit.Configure(world);
        ImportKit.WriteModel(world);
        var trained = ImportKit.WriteHfFolder(Path.Combine(world.Root, "blobs-source"));
        var blobs = Directory.CreateDirectory(Path.Combine(world.Root, "hub", "blobs")).FullName;
        var snapshot = Directory.CreateDirectory(Path.Combine(world.Root, "hub", "snapshots", "abc123")).FullName;
        foreach (var file in Directory.GetFiles(trained))
        {
            var blob = Path.Combine(blobs, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file))));
            File.Move(file, blob);
            File.CreateSymbolicLink(Path.Combine(snapshot, Path.GetFileName(file)), Path.GetRelativePath(snapshot, blob));
        }

        var run = await ImportKit.ImportAsync(world, "bert-tiny", "--from", "hub/snapshots/abc123");

        Assert.True(run.ExitCode == 0, run.All);
        var manifest = await ImportKit.ZooManifestAsync(world, "bert-tiny", 1);
        var weights = manifest["files"]!.AsArray().Single(f => f!["path"]!.GetValue<string>() == "model.safetensors")!;
        Assert.Equal(ImportKit.Safetensors(1).Length, weights["size"]!.GetValue<long>());
    }

    [Fact]
    public async Task Files_that_fail_the_validation_gate_are_refused_and_nothing_is_kept_or_published()
    {
        using var world = new TestWorld();
        ImportKit.Configure(world);
        ImportKit.WriteModel(world);
        var folder = ImportKit.WriteHfFolder(Path.Combine(world.Root, "weak"), accuracy: 0.5);
        File.WriteAllBytes(Path.Combine(folder, "model.safetensors"), [200, 0, 0, 0, 0, 0, 0, 0, (byte)'{']);

        var run = await ImportKit.ImportAsync(world, "bert-tiny", "--from", "weak");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("failed the validation gate; nothing was imported or published", run.StdErr, StringComparison.Ordinal);
        Assert.Contains("metrics: accuracy = 0.5 is below the minimum 0.9", run.StdErr, StringComparison.Ordinal);
        Assert.Contains("safetensors: model.safetensors: header length 200 is past the end of the file", run.StdErr, StringComparison.Ordinal);
        Assert.False(ImportKit.WroteRunState(world, "bert-tiny"));
        Assert.False(ImportKit.InZoo(world, "bert-tiny"));
        Assert.False(Directory.Exists(Path.Combine(world.ArtifactsDir, "bert-tiny", "import")), "no staging left");
    }

    [Theory]
    [InlineData("empty", "the folder holds no files; nothing was imported")]
    [InlineData("wandb://team/project/model-name:v1", "the scheme 'wandb://' is not supported. Fix: pass a local file or folder")]
    [InlineData("hf://bert-base-uncased", "the scheme 'hf://' is not supported")]
    [InlineData("oci://127.0.0.1:5000/zoo:v1", "an image is copied by digest. Fix: end the reference with @sha256:")]
    [InlineData("no/such/folder", "no such file or folder")]
    public async Task A_bad_source_is_refused_with_exit_2_naming_the_model_and_the_fix_and_nothing_is_written(string from, string message)
    {
        using var world = new TestWorld();
        ImportKit.Configure(world);
        ImportKit.WriteModel(world);
        Directory.CreateDirectory(Path.Combine(world.Root, "empty"));

        var run = await ImportKit.ImportAsync(world, "bert-tiny", "--from", from);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("model 'bert-tiny'", run.StdErr, StringComparison.Ordinal);
        Assert.Contains(message, run.StdErr, StringComparison.Ordinal);
        Assert.False(ImportKit.WroteRunState(world, "bert-tiny"));
        Assert.False(ImportKit.InZoo(world, "bert-tiny"));
    }

    [Fact]
    public async Task A_model_the_pipeline_trains_is_not_imported_into_and_an_imported_model_takes_no_command()
    {
        using var world = new TestWorld();
        ImportKit.Configure(world);
        ImportKit.WriteModel(world, "trained-here", "local");
        world.WriteModel("bad-import", """
            { "name": "bad-import", "description": "x", "owners": ["a@example.com"], "data": [],
              "training": { "backend": "import", "command": ["python", "train.py"] },
              "artifacts": { "format": "onnx", "files": ["model.onnx"] }, "validation": {}, "serving": { "runtime": "onnx" } }
            """);
        ImportKit.WriteHfFolder(Path.Combine(world.Root, "trained"));

        var local = await ImportKit.ImportAsync(world, "trained-here", "--from", "trained");
        var check = await Modelpipe.RunAsync(world.Root, "check", "--model", "bad-import");

        Assert.Equal(2, local.ExitCode);
        Assert.Contains("$.training.backend is \"local\": this model is trained by the pipeline, not imported", local.StdErr, StringComparison.Ordinal);
        Assert.Equal(2, check.ExitCode);
        Assert.Contains("$.training.command: an imported model is not trained here", check.All, StringComparison.Ordinal);
    }
}
