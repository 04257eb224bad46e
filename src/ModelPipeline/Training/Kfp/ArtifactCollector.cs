using System.Security.Cryptography;
using Minio;
using Minio.DataModel.Args;
using ModelPipeline.Errors;
using ModelPipeline.Models;
using ModelPipeline.Progress;
using ModelPipeline.Training.Remote;

namespace ModelPipeline.Training.Kfp;

/// <summary>
/// Collects the trained files a pipeline wrote: every object under an <c>s3://</c> or
/// <c>minio://</c> prefix (MinIO client), or one http(s) file. Each is streamed into the staging
/// folder while hashed; a <c>SHA256SUMS</c> file beside them (sha256sum format) reports digests,
/// and any mismatch fails the step with nothing kept.
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
        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        long total = 0;
        try
        {
            var objects = new List<(string Key, ulong Size)>();
            await foreach (var item in client.ListObjectsEnumAsync(new ListObjectsArgs().WithBucket(bucket).WithPrefix(prefix).WithRecursive(true), ct))
                if (!item.IsDir) objects.Add((item.Key, item.Size));
            if (objects.Count == 0)
                throw new OperationFailedException($"model '{model.Name}': the pipeline wrote no files under {source}. Fix: the pipeline must write the trained files there (see README, Remote training).") { Model = model.Name };
            foreach (var (key, size) in objects)
            {
                var rel = objects.Count == 1 && key == prefix ? Path.GetFileName(key) : key[prefix.Length..].TrimStart('/');
                var target = SafeTarget(outputDir, rel, source);
                total += (long)size;
                if (total > model.Artifacts.MaxTotalBytes)
                    throw new OperationFailedException($"model '{model.Name}': the trained files under {source} exceed artifacts.maxTotalBytes ({model.Artifacts.MaxTotalBytes} bytes); nothing was kept.") { Model = model.Name };
                using var progress = reporter.StartTransfer(model.Name, rel, (long)size);
                string? digest = null;
                await client.GetObjectAsync(new GetObjectArgs().WithBucket(bucket).WithObject(key)
                    .WithCallbackStream(async (stream, token) => digest = await CopyHashedAsync(stream, target, progress, token)), ct);
                digests[rel] = digest ?? throw new OperationFailedException($"model '{model.Name}': s3://{bucket}/{key} returned no content.") { Model = model.Name };
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
        foreach (var line in await File.ReadAllLinesAsync(sums, ct))
        {
            var parts = line.Trim().Split((char[])[' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2) continue;
            var name = parts[1].TrimStart('*').TrimStart('.', '/');
            if (!digests.TryGetValue(name, out var got))
                throw new OperationFailedException($"model '{model.Name}': {DigestFile} lists '{name}', which the pipeline did not write; nothing was kept.") { Model = model.Name };
            if (!string.Equals(got, parts[0], StringComparison.OrdinalIgnoreCase))
                throw new OperationFailedException($"model '{model.Name}': '{name}' does not match its reported digest (sha256 {got[..12]}… ≠ {parts[0][..Math.Min(12, parts[0].Length)]}…); nothing was kept. Fix: re-run the training; the artifact was altered or truncated.") { Model = model.Name };
        }
        File.Delete(sums);
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
