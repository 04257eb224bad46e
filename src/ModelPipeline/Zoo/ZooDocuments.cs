using ModelPipeline.Validation;

namespace ModelPipeline.Zoo;

/// <summary><c>models/&lt;name&gt;/vN/manifest.json</c>: what one immutable version is made of.</summary>
public sealed record VersionManifest
{
    public required string Model { get; init; }
    public required int Version { get; init; }
    public required string TrainingKey { get; init; }
    public string Description { get; init; } = "";
    public IReadOnlyList<string> Owners { get; init; } = [];
    public required ZooImage Image { get; init; }
    public required IReadOnlyList<ZooFile> Files { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The commit of the models repository the version was built from (null outside git).</summary>
    public string? SourceCommit { get; init; }

    /// <summary>The data sources the version was trained on, with the digests Fetch verified (absent in older versions).</summary>
    public IReadOnlyList<ZooDataSource>? Data { get; init; }

    /// <summary>Training lineage: where the model was trained (local, kfp, runpod), the run id and its link.</summary>
    public string? TrainingBackend { get; init; }
    public string? TrainingRunId { get; init; }
    public string? TrainingRunUrl { get; init; }

    /// <summary>For an imported version (<c>modelpipe import</c>): the source of its files, its lineage.</summary>
    public Importing.ImportLineage? ImportedFrom { get; init; }
}

/// <summary>One data source of a version: name, kind (file, url, git) and digest (sha256 or git:&lt;commit&gt;[:&lt;path&gt;]).</summary>
public sealed record ZooDataSource(string Name, string Kind, string Digest);

/// <summary>The ModelCar image that carries the weights.</summary>
public sealed record ZooImage
{
    public required string Repository { get; init; }
    public string? Tag { get; init; }
    public required string Digest { get; init; }

    /// <summary><c>repository@sha256:…</c></summary>
    public required string Reference { get; init; }

    /// <summary><c>oci://repository@sha256:…</c> (KServe storageUri).</summary>
    public required string StorageUri { get; init; }

    public string? Destination { get; init; }
    public long SizeBytes { get; init; }

    /// <summary>The cosign signature manifest (tag <c>sha256-&lt;hex&gt;.sig</c>) beside the image; absent when unsigned or older.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Signature { get; init; }

    /// <summary>The CycloneDX SBOM artifact whose subject is the image; absent in older versions.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Sbom { get; init; }

    /// <summary>The SLSA provenance (DSSE) artifact whose subject is the image; absent in older versions.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Provenance { get; init; }

    /// <summary>The CNCF ModelPack artifact of the same files (in the same repository); absent unless modelcar.formats has modelpack.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? ModelPack { get; init; }

    /// <summary>The <c>modelcar.baseImage</c> the image was packaged on; absent in older versions.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? BaseImage { get; init; }

    /// <summary>Packaging's lint findings that did not block (e.g. <c>shell: …</c>): the verdicts UpdateGitOps
    /// applies on every run.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Warnings { get; init; }

    /// <summary>True when the image has no <c>/bin/sh</c>: KServe cannot start it, so it is never deployed.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool HasNoShell => Warnings?.Any(w => w.StartsWith("shell:", StringComparison.Ordinal)) == true;
}

/// <summary>A trained file: its digest, size, and whether a copy is kept in the zoo (<c>files/</c>).</summary>
public sealed record ZooFile(string Path, long Size, string Sha256, bool Inline);

/// <summary><c>models/&lt;name&gt;/index.json</c>, derived from the version folders and aliases.json.</summary>
public sealed record ModelIndex
{
    public required string Model { get; init; }
    public required IReadOnlyList<IndexedVersion> Versions { get; init; }
    public required IReadOnlyDictionary<string, int> Aliases { get; init; }
}

public sealed record IndexedVersion
{
    public required int Version { get; init; }

    /// <summary><c>current</c> for the version <c>latest</c> points to, else <c>superseded</c>.</summary>
    public required string Status { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
    public required string TrainingKey { get; init; }
    public required string Digest { get; init; }
    public required string Reference { get; init; }
    public required string StorageUri { get; init; }
    public IReadOnlyList<string> Aliases { get; init; } = [];
}

/// <summary>The top-level <c>index.json</c>: every model in the zoo.</summary>
public sealed record ZooIndex
{
    public required IReadOnlyList<ZooIndexEntry> Models { get; init; }
}

public sealed record ZooIndexEntry
{
    public required string Model { get; init; }
    public string Description { get; init; } = "";
    public int? Latest { get; init; }
    public required int Versions { get; init; }
    public required IReadOnlyDictionary<string, int> Aliases { get; init; }
}

/// <summary>What the model card and manifest are written from.</summary>
public sealed record ZooEntryInput
{
    public required Models.ModelDefinition Definition { get; init; }
    public required string TrainingKey { get; init; }
    public required ValidationReport Validation { get; init; }
    public required ZooImage Image { get; init; }

    /// <summary>The folder with the trained files.</summary>
    public required string OutputDir { get; init; }

    public Training.TrainingRecord? Training { get; init; }
    public Fetching.FetchRecord? Fetch { get; init; }

    /// <summary>The serving check's verdict on the image (null when ServeCheck did not run, e.g. the verb used alone).</summary>
    public Inference.ServingCheckRecord? ServingCheck { get; init; }
    public string? SourceCommit { get; init; }

    /// <summary>
    /// Signs the image once its version number is chosen (inside the publishing commit, again on a
    /// retry with another number) and returns the image record with the signature; null: unsigned.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Func<int, CancellationToken, Task<ZooImage>>? SignAs { get; init; }
}
