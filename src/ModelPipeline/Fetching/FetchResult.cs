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

    /// <summary>Absolute path of the verified local copy (file or folder).</summary>
    public required string LocalPath { get; init; }

    public long Bytes { get; init; }

    /// <summary>True when nothing had to be downloaded.</summary>
    public bool FromCache { get; init; }
}
