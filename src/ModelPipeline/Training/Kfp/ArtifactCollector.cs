using System.Security.Cryptography;
using Minio;
using Minio.DataModel.Args;
using ModelPipeline.Errors;
using ModelPipeline.Models;
using ModelPipeline.Progress;
using ModelPipeline.Training.Remote;

namespace ModelPipeline.Training.Kfp;

/// <summary>
/// Collects the trained files a pipeline wrote under an <c>s3://</c> or <c>minio://</c> prefix
/// (MinIO client): the files a <c>SHA256SUMS</c> there lists (sha256sum format, digests checked),
/// else the model's <c>artifacts.files</c>; or one http(s) file. Each is streamed into the staging
/// folder while hashed; a mismatch or a missing file fails the step with nothing kept.
/// </summary>
public sealed class ArtifactCollector(ModelDefinition model, ArtifactStoreOptions? store, IPipelineReporter reporter)
{
    public const string DigestFile = "SHA256SUMS";

    public async Task<int> CollectAsync(Uri source, string outputDir, RemoteHttp http, CancellationToken ct)
    {
        var files = source.Scheme is "s3" or "minio"
            ? await FromS3Async(source, outputDir, ct)
            : await FromHttpAsync(source, outputDir, http, ct);
        await VerifyAsync(outputDir, files, ct);
        return files.Count;
    }

    private async Task<Dictionary<string, string>> FromS3Async(Uri source, string outputDir, CancellationToken ct)
    {
        if (store?.Endpoint is null)
            throw new InvalidInputException($"model '{model.Name}': the trained files are at {source}, but no S3 endpoint is configured. Fix: set training.options.artifactStore (or pipeline.json training.kfp.artifactStore).") { Model = model.Name };
        var endpoint = new Uri(store.Endpoint);
        using var client = (MinioClient)new MinioClient()
            .WithEndpoint(endpoint.Host, endpoint.Port)
            .WithSSL(endpoint.Scheme == "https")
            .WithRegion(store.Region)
            .WithCredentials(RemoteOptions.Secret(store.AccessKeyEnv) ?? Missing(store.AccessKeyEnv), RemoteOptions.Secret(store.SecretKeyEnv) ?? Missing(store.SecretKeyEnv))
            .Build();
        var bucket = source.Host;
        var prefix = Uri.UnescapeDataString(source.AbsolutePath.TrimStart('/'));
        if (prefix.Length > 0 && !prefix.EndsWith('/')) prefix += "/";
        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        long total = 0;
        try
        {
            // The files to collect: those SHA256SUMS lists (with their digests), else the model's artifacts.files.
            var sums = Path.Combine(outputDir, DigestFile);
            var names = await TryGetAsync(client, bucket, prefix + DigestFile, sums, ct)
                ? ParseSums(await File.ReadAllLinesAsync(sums, ct)).Select(e => e.Name).ToList()
                : model.Artifacts.Files.ToList();
            foreach (var rel in names)
            {
                var target = SafeTarget(outputDir, rel, source);
                using var progress = reporter.StartTransfer(model.Name, rel, null);
                string? digest = null;
                try
                {
                    await client.GetObjectAsync(new GetObjectArgs().WithBucket(bucket).WithObject(prefix + rel)
                        .WithCallbackStream(async (stream, token) => digest = await CopyHashedAsync(stream, target, progress, token)), ct);
                }
                catch (Minio.Exceptions.ObjectNotFoundException)
                {
                    throw new OperationFailedException($"model '{model.Name}': the pipeline did not write '{rel}' under {source}; nothing was kept. Fix: the pipeline must write every file of artifacts.files (or list its files in {DigestFile}) there (see README, Remote training).") { Model = model.Name };
                }
                total += new FileInfo(target).Length;
                if (total > model.Artifacts.MaxTotalBytes)
                    throw new OperationFailedException($"model '{model.Name}': the trained files under {source} exceed artifacts.maxTotalBytes ({model.Artifacts.MaxTotalBytes} bytes); nothing was kept.") { Model = model.Name };
                digests[rel] = digest ?? throw new OperationFailedException($"model '{model.Name}': s3://{bucket}/{prefix}{rel} returned no content.") { Model = model.Name };
            }
        }
        catch (Minio.Exceptions.MinioException ex)
        {
            throw new OperationFailedException(Redactor.Redact($"model '{model.Name}': reading {source} from {store.Endpoint} failed: {ex.Message}. Fix: check artifactStore and its keys.")) { Model = model.Name };
        }
        return digests;
    }

    private async Task<Dictionary<string, string>> FromHttpAsync(Uri source, string outputDir, RemoteHttp http, CancellationToken ct)
    {
        var rel = Path.GetFileName(Uri.UnescapeDataString(source.AbsolutePath));
        var target = SafeTarget(outputDir, rel, source);
        using var response = await http.Client.GetAsync(source, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
            throw new OperationFailedException(Redactor.Redact($"model '{model.Name}': downloading {source} answered HTTP {(int)response.StatusCode}.")) { Model = model.Name };
        if (response.Content.Headers.ContentLength > model.Artifacts.MaxTotalBytes)
            throw new OperationFailedException($"model '{model.Name}': {source} is larger than artifacts.maxTotalBytes; nothing was kept.") { Model = model.Name };
        using var progress = reporter.StartTransfer(model.Name, rel, response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        return new Dictionary<string, string> { [rel] = await CopyHashedAsync(body, target, progress, ct) };
    }

    /// <summary>Checks each file against SHA256SUMS when the pipeline wrote one, then removes it.</summary>
    private async Task VerifyAsync(string outputDir, Dictionary<string, string> digests, CancellationToken ct)
    {
        var sums = Path.Combine(outputDir, DigestFile);
        if (!File.Exists(sums)) return;
        foreach (var (name, expected) in ParseSums(await File.ReadAllLinesAsync(sums, ct)))
        {
            if (!digests.TryGetValue(name, out var got))
                throw new OperationFailedException($"model '{model.Name}': {DigestFile} lists '{name}', which the pipeline did not write; nothing was kept.") { Model = model.Name };
            if (!string.Equals(got, expected, StringComparison.OrdinalIgnoreCase))
                throw new OperationFailedException($"model '{model.Name}': '{name}' does not match its reported digest (sha256 {got[..12]}… ≠ {expected[..Math.Min(12, expected.Length)]}…); nothing was kept. Fix: re-run the training; the artifact was altered or truncated.") { Model = model.Name };
        }
        File.Delete(sums);
    }

    /// <summary>The lines of a sha256sum file: digest, two spaces (or " *"), name.</summary>
    private static IEnumerable<(string Name, string Sha256)> ParseSums(IEnumerable<string> lines) =>
        lines.Select(l => l.Trim().Split((char[])[' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 2)
            .Select(p => (p[1].Trim().TrimStart('*').TrimStart('.', '/'), p[0]));

    private static async Task<bool> TryGetAsync(MinioClient client, string bucket, string key, string target, CancellationToken ct)
    {
        try
        {
            await client.GetObjectAsync(new GetObjectArgs().WithBucket(bucket).WithObject(key).WithCallbackStream(async (stream, token) =>
            {
                await using var file = File.Create(target);
                await stream.CopyToAsync(file, token);
            }), ct);
            return true;
        }
        catch (Minio.Exceptions.ObjectNotFoundException)
        {
            return false;
        }
    }

    private string SafeTarget(string outputDir, string rel, Uri source)
    {
        var target = SafePath.TryResolve(outputDir, rel, out var why)
            ?? throw new OperationFailedException($"model '{model.Name}': the artifact {source} holds '{rel}', which {why}; nothing was kept.") { Model = model.Name };
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        return target;
    }

    internal static async Task<string> CopyHashedAsync(Stream source, string target, ITransferProgress progress, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var file = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = await source.ReadAsync(buffer, ct)) > 0)
        {
            sha.AppendData(buffer, 0, n);
            await file.WriteAsync(buffer.AsMemory(0, n), ct);
            progress.Advance(n);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private string Missing(string? variable) =>
        throw new InvalidInputException($"model '{model.Name}': the S3 key variable {variable} is not set. Fix: export it (it is read only from the environment).") { Model = model.Name };
}
