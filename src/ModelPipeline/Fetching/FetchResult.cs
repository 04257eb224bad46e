namespace ModelPipeline.Fetching;

/// <summary>What Fetch recorded for one model: every data source with its digest and local path.</summary>
public sealed record FetchRecord
{
    public required string Model { get; init; }
    public required IReadOnlyList<FetchedSource> Sources { get; init; }
    public DateTimeOffset FetchedAt { get; init; }
}

public sealed record FetchedSource
{
    public required string Name { get; init; }
    public required string Kind { get; init; }

    /// <summary>sha256 of the file (file, url) or "git:&lt;commit&gt;[:&lt;path&gt;]".</summary>
    public required string Digest { get; init; }

    /// <summary>
    /// A file source's path relative to the project root (forward slashes). Null for url and git
    /// sources: their verified copies sit in the cache under their digest (<see cref="Locate"/>), so the
    /// record means the same in every job folder and on every runner.
    /// </summary>
    public string? Path { get; init; }

    public long Bytes { get; init; }

    /// <summary>True when nothing had to be downloaded.</summary>
    public bool FromCache { get; init; }

    /// <summary>The digest of a git source: <c>git:&lt;commit&gt;[:&lt;path&gt;]</c>.</summary>
    public static string GitDigest(string commit, string? path) => path is null ? $"git:{commit}" : $"git:{commit}:{path}";

    /// <summary>Where the data is in this workspace: the file under the project root, or the cache entry of the digest.</summary>
    public string Locate(string projectRoot, string cacheDir) => Kind switch
    {
        "url" => HttpDownloader.CachePathIn(cacheDir, Digest),
        "git" => GitSourceFetcher.TreePathIn(cacheDir, Digest),
        _ => System.IO.Path.GetFullPath(System.IO.Path.Combine(projectRoot, Path
            ?? throw new Errors.OperationFailedException($"the fetch record of data source '{Name}' names no file (an old record). Fix: run ./build.sh Fetch again."))),
    };
}
