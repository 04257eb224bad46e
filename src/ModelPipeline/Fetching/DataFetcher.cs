using ModelPipeline.Configuration;
using ModelPipeline.Git;
using ModelPipeline.Models;
using ModelPipeline.Progress;
using ModelPipeline.RunState;

namespace ModelPipeline.Fetching;

/// <summary>The Fetch step: makes every data source of a model available locally, verified.</summary>
public sealed class DataFetcher(PipelineConfig config, RunStateStore state, IPipelineReporter reporter, HttpClient? http = null)
{
    /// <summary>
    /// Fetches the model's sources and records them in <c>fetch.json</c>. Unchanged: every source is what the
    /// record already says (same digests, nothing downloaded); the record is then kept as it is, unwritten.
    /// </summary>
    public async Task<(FetchRecord Record, bool Unchanged)> FetchAsync(ModelDefinition model,
        CancellationToken ct = default)
    {
        using var ownedHttp = http is null ? new HttpClient { Timeout = TimeSpan.FromSeconds(config.Fetch.TimeoutSeconds) } : null;
        var downloader = new HttpDownloader(http ?? ownedHttp!, config.CacheDir, config.Fetch.Retries, reporter);
        var gitFetcher = new GitSourceFetcher(new GitCli(), config.CacheDir);
        var sources = new List<FetchedSource>();
        foreach (var source in model.Data)
        {
            sources.Add(source.Kind switch
            {
                DataSourceKind.File => await FileAsync(model, source, ct),
                DataSourceKind.Url => await UrlAsync(model, source, downloader, ct),
                _ => await GitAsync(model, source, gitFetcher, ct),
            });
        }
        if (Previous(model.Name) is { } previous && previous.Model == model.Name
            && previous.Sources.SequenceEqual(sources))
            return (previous, true);
        var record = new FetchRecord { Model = model.Name, Sources = sources, FetchedAt = DateTimeOffset.UtcNow };
        state.WriteModel(model.Name, "fetch", record);
        return (record, false);
    }

    /// <summary>The last Fetch's record; null when there is none or it is unreadable (then written anew).</summary>
    private FetchRecord? Previous(string model)
    {
        try
        {
            return state.ReadModel<FetchRecord>(model, "fetch");
        }
        catch (Errors.OperationFailedException)
        {
            return null;
        }
    }

    private async Task<FetchedSource> FileAsync(ModelDefinition model, DataSource source, CancellationToken ct)
    {
        var path = SafePath.TryResolve(model.Directory, source.File!, out var why)
            ?? throw new Errors.InvalidInputException($"model '{model.Name}', data source '{source.Name}': '{source.File}' {why}.");
        return new FetchedSource
        {
            Name = source.Name,
            Kind = "file",
            Digest = await Digests.PathSha256Async(path, ct),
            Path = System.IO.Path.GetRelativePath(config.RepoRoot, path).Replace('\\', '/'),
            Bytes = File.Exists(path) ? new FileInfo(path).Length : 0,
            FromCache = true,
        };
    }

    private async Task<FetchedSource> UrlAsync(ModelDefinition model, DataSource source, HttpDownloader downloader, CancellationToken ct)
    {
        var cached = downloader.CachePath(source.Sha256!);
        var fromCache = File.Exists(cached);
        if (fromCache)
            reporter.Info(model.Name, $"{source.Name}: cached ({source.Sha256![..12]}), nothing to download");
        else
            await downloader.DownloadAsync(model.Name, source.Name, new Uri(source.Url!), source.Sha256!, ct);
        return new FetchedSource
        {
            Name = source.Name,
            Kind = "url",
            Digest = source.Sha256!,
            Bytes = new FileInfo(cached).Length,
            FromCache = fromCache,
        };
    }

    private async Task<FetchedSource> GitAsync(ModelDefinition model, DataSource source, GitSourceFetcher fetcher, CancellationToken ct)
    {
        var fromCache = Directory.Exists(fetcher.TreePath(source.Commit!, source.Path));
        if (!fromCache) reporter.Info(model.Name, $"{source.Name}: fetching {Errors.Redactor.Redact(source.Git)} at {source.Commit![..12]}");
        await fetcher.FetchAsync(model.Name, source.Name, source.Git!, source.Commit!, source.Path, ct);
        return new FetchedSource
        {
            Name = source.Name,
            Kind = "git",
            Digest = FetchedSource.GitDigest(source.Commit!, source.Path),
            FromCache = fromCache,
        };
    }
}
