using Minio;
using Minio.DataModel.Args;
using ModelPipeline.Errors;
using ModelPipeline.Training.Kfp;
using ModelPipeline.Training.Remote;

namespace ModelPipeline.Importing;

/// <summary>
/// <c>s3://bucket/key</c>: that object when it exists, else a folder: the files the
/// <c>key/SHA256SUMS</c> object lists (sha256sum format, as Kubeflow pipeline outputs carry it), each
/// checked against its digest. Read through the MinIO client on <c>import.s3</c> of pipeline.json
/// (keys from the environment variables it names); each object streamed into the staging folder while hashed.
/// </summary>
internal sealed partial class ImportStager
{
    private const long MaxSumsBytes = 1 << 20;

    private async Task<(string, string?)> FromS3Async(Uri source, string staging, CancellationToken ct)
    {
        var shown = source.ToString();
        var store = config.Import.S3;
        if (store?.Endpoint is null)
            throw new InvalidInputException($"model '{Name}': --from {shown} needs the S3 endpoint, and pipeline.json has none. " +
                "Fix: set \"import\": { \"s3\": { \"endpoint\": \"https://s3.example.com\", " +
                "\"accessKeyEnv\": \"AWS_ACCESS_KEY_ID\", \"secretKeyEnv\": \"AWS_SECRET_ACCESS_KEY\" } }.") { Model = Name };
        var endpoint = new Uri(store.Endpoint);
        using var client = (MinioClient)new MinioClient()
            .WithEndpoint(endpoint.Host, endpoint.Port)
            .WithSSL(endpoint.Scheme == "https")
            .WithRegion(store.Region)
            .WithCredentials(Key(store.AccessKeyEnv), Key(store.SecretKeyEnv))
            .Build();
        var bucket = source.Host;
        var key = Uri.UnescapeDataString(source.AbsolutePath.TrimStart('/'));
        try
        {
            if (key.Length > 0 && !key.EndsWith('/') && await ExistsAsync(client, bucket, key, ct))
            {
                var sha = await GetAsync(client, bucket, key, Target(staging, Path.GetFileName(key), shown), MaxBytes, shown, ct);
                return ("s3", sha);
            }
            var prefix = key.Length == 0 || key.EndsWith('/') ? key : key + "/";
            var sums = Path.Combine(staging, ArtifactCollector.DigestFile);
            if (!await client.BucketExistsAsync(new BucketExistsArgs().WithBucket(bucket), ct))
                throw NoBucket(shown, bucket, store.Endpoint);
            if (!await ExistsAsync(client, bucket, prefix + ArtifactCollector.DigestFile, ct))
                throw new InvalidInputException($"model '{Name}': --from {shown}: there is no such object, and no " +
                    $"{ArtifactCollector.DigestFile} under it that lists the files of a folder; nothing was imported. " +
                    $"Fix: name one object, or upload {ArtifactCollector.DigestFile} beside the files " +
                    $"(cd FOLDER && sha256sum $(find . -type f) > {ArtifactCollector.DigestFile}).") { Model = Name };
            await GetAsync(client, bucket, prefix + ArtifactCollector.DigestFile, sums, MaxSumsBytes, shown, ct);
            var listed = ArtifactCollector.ParseSums(await File.ReadAllLinesAsync(sums, ct)).ToList();
            File.Delete(sums);
            if (listed.Count == 0)
                throw new InvalidInputException($"model '{Name}': --from {shown}: {ArtifactCollector.DigestFile} lists no files; " +
                    "nothing was imported. Fix: list each file as 'SHA256  path' (sha256sum output).") { Model = Name };
            long total = 0;
            foreach (var (rel, expected) in listed)
            {
                var target = Target(staging, rel, shown);
                var sha = await GetAsync(client, bucket, prefix + rel, target, MaxBytes - total, shown, ct);
                if (!string.Equals(sha, expected, StringComparison.OrdinalIgnoreCase))
                    throw new OperationFailedException($"model '{Name}': s3://{bucket}/{prefix}{rel}: sha256 mismatch: " +
                        $"{ArtifactCollector.DigestFile} says {expected}, got {sha}; nothing was imported. " +
                        "Fix: upload the file again, or correct its line.") { Model = Name };
                total += new FileInfo(target).Length;
            }
            return ("s3", null);
        }
        catch (Minio.Exceptions.BucketNotFoundException)
        {
            throw NoBucket(shown, bucket, store.Endpoint);
        }
        catch (Minio.Exceptions.MinioException ex)
        {
            throw new OperationFailedException(Redactor.Redact($"model '{Name}': reading --from {shown} at {store.Endpoint} failed: " +
                $"{ex.Message}. Nothing was imported. Fix: check import.s3 and its keys.")) { Model = Name };
        }
    }

    private InvalidInputException NoBucket(string shown, string bucket, string endpoint) =>
        new($"model '{Name}': --from {shown}: the bucket '{bucket}' does not exist at {endpoint}. " +
            "Fix: check the bucket name and import.s3.endpoint.") { Model = Name };

    private static async Task<bool> ExistsAsync(MinioClient client, string bucket, string key, CancellationToken ct)
    {
        try
        {
            await client.StatObjectAsync(new StatObjectArgs().WithBucket(bucket).WithObject(key), ct);
            return true;
        }
        catch (Minio.Exceptions.ObjectNotFoundException)
        {
            return false;
        }
    }

    private async Task<string> GetAsync(MinioClient client, string bucket, string key, string target, long room, string shown,
        CancellationToken ct)
    {
        string? sha = null;
        using var progress = reporter.StartTransfer(Name, key, null);
        await client.GetObjectAsync(new GetObjectArgs().WithBucket(bucket).WithObject(key).WithCallbackStream(async (stream, token) =>
            sha = await ArtifactCollector.CopyHashedAsync(stream, target, progress, room, () => TooLarge(shown), token)), ct);
        return sha ?? throw new OperationFailedException($"model '{Name}': s3://{bucket}/{key} returned no content.") { Model = Name };
    }

    private string Key(string? variable) => RemoteOptions.Secret(variable)
        ?? throw new InvalidInputException($"model '{Name}': the S3 key variable {variable ?? "(import.s3.accessKeyEnv/secretKeyEnv)"} " +
            "is not set. Fix: export it (it is read only from the environment).") { Model = Name };
}
