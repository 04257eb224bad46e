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
/// folder while hashed and counted against <c>artifacts.maxTotalBytes</c> (with or without a
/// Content-Length: the copy stops at the cap). A mismatch, a missing file, an answer of 4xx or a
/// file past the cap refuses the run's output (<see cref="RefusedOutputException"/>), nothing kept.
/// </summary>
public sealed class ArtifactCollector(ModelDefinition model, ArtifactStoreOptions? store, IPipelineReporter reporter)
{
    public const string DigestFile = "SHA256SUMS";
    private const long MaxSumsBytes = 1 << 20;

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
                    var room = model.Artifacts.MaxTotalBytes - total;
                    await client.GetObjectAsync(new GetObjectArgs().WithBucket(bucket).WithObject(prefix + rel)
                        .WithCallbackStream(async (stream, token) => digest = await CopyHashedAsync(stream, target, progress, room, () => TooLarge(source), token)), ct);
                }
                catch (Minio.Exceptions.ObjectNotFoundException)
                {
                    throw new RefusedOutputException($"model '{model.Name}': the pipeline did not write '{rel}' under {source}; nothing was kept. Fix: the pipeline must write every file of artifacts.files (or list its files in {DigestFile}) there (see docs/remote-training.md).") { Model = model.Name };
                }
                total += new FileInfo(target).Length;
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
        if ((int)response.StatusCode is >= 400 and < 500)
            throw new RefusedOutputException(Redactor.Redact($"model '{model.Name}': downloading the artifact {source} answered HTTP {(int)response.StatusCode}; nothing was kept.")) { Model = model.Name };
        if (!response.IsSuccessStatusCode)
            throw new OperationFailedException(Redactor.Redact($"model '{model.Name}': downloading the artifact {source} answered HTTP {(int)response.StatusCode}. Fix: re-run Train; it downloads again.")) { Model = model.Name };
        if (response.Content.Headers.ContentLength > model.Artifacts.MaxTotalBytes) throw TooLarge(source);
        using var progress = reporter.StartTransfer(model.Name, rel, response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        return new Dictionary<string, string> { [rel] = await CopyHashedAsync(body, target, progress, model.Artifacts.MaxTotalBytes, () => TooLarge(source), ct) };
    }

    private RefusedOutputException TooLarge(Uri source) =>
        new(Redactor.Redact($"model '{model.Name}': the trained files at {source} are larger than artifacts.maxTotalBytes ({model.Artifacts.MaxTotalBytes:N0} bytes); the download was stopped there and nothing was kept. Fix: raise artifacts.maxTotalBytes in model.json if the model is really that large.")) { Model = model.Name };

    /// <summary>Checks each file against SHA256SUMS when the pipeline wrote one, then removes it.</summary>
    private async Task VerifyAsync(string outputDir, Dictionary<string, string> digests, CancellationToken ct)
    {
        var sums = Path.Combine(outputDir, DigestFile);
        if (!File.Exists(sums)) return;
        foreach (var (name, expected) in ParseSums(await File.ReadAllLinesAsync(sums, ct)))
        {
            if (!digests.TryGetValue(name, out var got))
                throw new RefusedOutputException($"model '{model.Name}': {DigestFile} lists '{name}', which the pipeline did not write; nothing was kept.") { Model = model.Name };
            if (!string.Equals(got, expected, StringComparison.OrdinalIgnoreCase))
                throw new RefusedOutputException($"model '{model.Name}': '{name}' does not match its reported digest (sha256 {got[..12]}… ≠ {expected[..Math.Min(12, expected.Length)]}…); nothing was kept. Fix: re-run the training; the artifact was altered or truncated.") { Model = model.Name };
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
                var buffer = new byte[1 << 16];
                long copied = 0;
                int n;
                while ((n = await stream.ReadAsync(buffer, token)) > 0)
                {
                    if ((copied += n) > MaxSumsBytes) throw new RefusedOutputException($"{DigestFile} under s3://{bucket}/ is larger than {MaxSumsBytes} bytes; nothing was kept.");
                    await file.WriteAsync(buffer.AsMemory(0, n), token);
                }
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
            ?? throw new RefusedOutputException($"model '{model.Name}': the artifact {source} holds '{RemoteText.Quote(rel, 120)}', which {why}; nothing was kept.") { Model = model.Name };
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        return target;
    }

    /// <summary>Streams into <paramref name="target"/> while hashing; stops with <paramref name="tooLarge"/> past <paramref name="maxBytes"/>.</summary>
    internal static async Task<string> CopyHashedAsync(Stream source, string target, ITransferProgress progress, long maxBytes, Func<Exception> tooLarge, CancellationToken ct)
    {
        long copied = 0;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var file = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = await source.ReadAsync(buffer, ct)) > 0)
        {
            copied += n;
            if (copied > maxBytes) throw tooLarge();
            sha.AppendData(buffer, 0, n);
            await file.WriteAsync(buffer.AsMemory(0, n), ct);
            progress.Advance(n);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private string Missing(string? variable) =>
        throw new InvalidInputException($"model '{model.Name}': the S3 key variable {variable} is not set. Fix: export it (it is read only from the environment).") { Model = model.Name };
}
