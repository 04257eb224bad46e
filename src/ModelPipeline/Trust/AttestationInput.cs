using ModelPipeline.Fetching;
using ModelPipeline.Models;
using ModelPipeline.Training;
using ModelPipeline.Validation;

namespace ModelPipeline.Trust;

/// <summary>Everything the SBOM and the provenance of one image say, from the run state of its training key.</summary>
public sealed record AttestationInput
{
    public required ModelDefinition Model { get; init; }
    public required string TrainingKey { get; init; }

    /// <summary><c>host[:port]/path</c> of the image.</summary>
    public required string Repository { get; init; }

    public required string Digest { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required ValidationReport Validation { get; init; }
    public required TrainingRecord Training { get; init; }
    public FetchRecord? Fetch { get; init; }

    /// <summary>Trainer source files (relative to the model folder) with their sha256.</summary>
    public required IReadOnlyList<(string Path, string Sha256)> TrainerSources { get; init; }

    /// <summary>The models repository's commit (null outside git).</summary>
    public string? SourceCommit { get; init; }

    public string SourceUrl { get; init; } = "";

    /// <summary>The ModelPack artifact of the same files, when one was pushed.</summary>
    public string? ModelPackDigest { get; init; }
}
