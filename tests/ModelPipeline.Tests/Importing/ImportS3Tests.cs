using ModelPipeline.Tests.RemoteTraining;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Importing;

/// <summary><c>--from s3://</c> against a real S3-compatible server (s3rver) on 127.0.0.1.</summary>
public sealed class ImportS3Tests : IAsyncLifetime
{
    private readonly TestWorld _world = new();
    private S3rver _s3 = null!;

    public async Task InitializeAsync()
    {
        Assert.True(S3rver.Missing() is null, S3rver.Missing());
        _s3 = await S3rver.StartAsync();
        ImportKit.Configure(_world, import: new
        {
            s3 = new { endpoint = _s3.Endpoint, accessKeyEnv = "IMPORT_S3_KEY", secretKeyEnv = "IMPORT_S3_SECRET" },
        });
        ImportKit.WriteModel(_world);
    }

    public async Task DisposeAsync()
    {
        await _s3.DisposeAsync();
        _world.Dispose();
    }

    private Task<Modelpipe.Result> ImportAsync(params string[] args) =>
        Modelpipe.RunAsync(_world.Root, ["import", "bert-tiny", .. args, "--json"],
            ImportKit.Env(_world, ("IMPORT_S3_KEY", S3rver.AccessKey), ("IMPORT_S3_SECRET", S3rver.SecretKey)));

    [Fact]
    public async Task Importing_an_s3_folder_publishes_the_files_its_SHA256SUMS_lists_each_checked_against_its_digest()
    {
        var folder = ImportKit.WriteHfFolder(Path.Combine(_world.Root, "upload"), seed: 5);
        var sums = Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(f =>
            $"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))}  ./{Path.GetFileName(f)}");
        foreach (var file in Directory.GetFiles(folder))
            await _s3.PutAsync($"runs/2026-12-01/bert-tiny/{Path.GetFileName(file)}", file);
        File.WriteAllLines(Path.Combine(_world.Root, "SHA256SUMS"), sums);
        await _s3.PutAsync("runs/2026-12-01/bert-tiny/SHA256SUMS", Path.Combine(_world.Root, "SHA256SUMS"));
        await _s3.PutAsync("runs/2026-12-01/bert-tiny/notes/unlisted.txt", Path.Combine(folder, "vocab.txt"));

        var run = await ImportAsync("--from", "s3://models/runs/2026-12-01/bert-tiny");

        Assert.True(run.ExitCode == 0, run.All);
        Assert.DoesNotContain(S3rver.SecretKey, run.All, StringComparison.Ordinal);
        var manifest = await ImportKit.ZooManifestAsync(_world, "bert-tiny", 1);
        Assert.Equal("s3", manifest["importedFrom"]!["kind"]!.GetValue<string>());
        Assert.Equal("s3://models/runs/2026-12-01/bert-tiny", manifest["importedFrom"]!["uri"]!.GetValue<string>());
        Assert.Equal(["config.json", "metrics.json", "model.safetensors", "tokenizer.json", "vocab.txt"],
            manifest["files"]!.AsArray().Select(f => f!["path"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Importing_one_s3_object_checks_its_sha256_and_a_missing_key_or_bucket_is_refused_with_exit_2()
    {
        ImportKit.WriteModel(_world, "encoder", "import", "model.safetensors", "metrics.json");
        var weights = Path.Combine(_world.Root, "model.safetensors");
        File.WriteAllBytes(weights, ImportKit.Safetensors(9));
        File.WriteAllText(Path.Combine(_world.Root, "eval.json"), """{"accuracy": 0.92}""");
        await _s3.PutAsync("encoder/model.safetensors", weights);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(weights)));
        var env = ImportKit.Env(_world, ("IMPORT_S3_KEY", S3rver.AccessKey), ("IMPORT_S3_SECRET", S3rver.SecretKey));

        var run = await Modelpipe.RunAsync(_world.Root,
            ["import", "encoder", "--from", "s3://models/encoder/model.safetensors", "--sha256", sha, "--metrics", "eval.json"], env);
        var missing = await Modelpipe.RunAsync(_world.Root, ["import", "encoder", "--from", "s3://models/nothing/here"], env);
        var bucket = await Modelpipe.RunAsync(_world.Root, ["import", "encoder", "--from", "s3://no-bucket/encoder"], env);

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal(sha, (await ImportKit.ZooManifestAsync(_world, "encoder", 1))["importedFrom"]!["sha256"]!.GetValue<string>());
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("there is no such object, and no SHA256SUMS under it", missing.StdErr, StringComparison.Ordinal);
        Assert.Equal(2, bucket.ExitCode);
        Assert.Contains("the bucket 'no-bucket' does not exist", bucket.StdErr, StringComparison.Ordinal);
    }
}
