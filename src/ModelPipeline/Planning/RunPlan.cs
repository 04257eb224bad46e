using ModelPipeline.Oci;

namespace ModelPipeline.Planning;

/// <summary>
/// What <c>./build.sh Publish</c> would do, computed without writing anything (see <see cref="RunPlanner"/>):
/// per model, the training, the image, the zoo version and aliases, the GitOps file and the promotion.
/// </summary>
public sealed record RunPlan
{
    public required IReadOnlyList<ModelPlan> Models { get; init; }

    /// <summary>The zoo commit the plan was made against.</summary>
    public string? ZooCommit { get; init; }

    /// <summary>The models with at least one side effect.</summary>
    public IEnumerable<ModelPlan> Changing => Models.Where(m => m.HasSideEffects);
}

/// <summary>Every side effect of one model's run.</summary>
public sealed record ModelPlan
{
    public required string Name { get; init; }
    public required string TrainingKey { get; init; }
    public required TrainingPlan Training { get; init; }
    public required ImagePlanEntry Image { get; init; }
    public required ZooPlan Zoo { get; init; }
    public required GitOpsPlan GitOps { get; init; }
    public required PromotionPlan Promotion { get; init; }

    public bool HasSideEffects => Training.Action == "train" || Image.Action == "build" || Image.TagsToAdd.Count > 0
        || Zoo.NewVersion || Zoo.AliasMoves.Count > 0 || GitOps.Action is "create" or "change"
        || Promotion.Action is "open" or "update";
}

/// <summary>
/// <c>train</c> (the backend runs), <c>reuse-zoo</c> (the key is published as <see cref="Version"/>) or
/// <c>reuse-workspace</c> (this workspace already trained the key: run <see cref="RunId"/>).
/// </summary>
public sealed record TrainingPlan
{
    public required string Action { get; init; }
    public required string Backend { get; init; }
    public int? Version { get; init; }
    public string? RunId { get; init; }
}

/// <summary>
/// The ModelCar image: <c>build</c> (packaged and pushed; digest and size known when the trained output is
/// in the workspace, else null: built after training), <c>present</c> (this workspace packaged it and the
/// destination still has it) or <c>reuse</c> (the published version's recorded image).
/// </summary>
public sealed record ImagePlanEntry
{
    public required string Action { get; init; }
    public required string Destination { get; init; }
    public required string Repository { get; init; }
    public string? Tag { get; init; }
    public string? Digest { get; init; }
    public long? SizeBytes { get; init; }

    /// <summary>The bytes of the blobs the destination lacks (null when unknown).</summary>
    public long? UploadBytes { get; init; }

    public IReadOnlyList<PlannedBlob> Blobs { get; init; } = [];

    /// <summary>Whether the destination has the image (a published one must).</summary>
    public bool? Present { get; init; }

    /// <summary>Tags PushMirrors adds (<c>&lt;model&gt;-v&lt;N&gt;</c>); for a new image also its key tag.</summary>
    public IReadOnlyList<string> TagsToAdd { get; init; } = [];

    /// <summary>What is attached beside a new image: SBOM, provenance, signatures, a ModelPack artifact.</summary>
    public IReadOnlyList<string> Attachments { get; init; } = [];

    /// <summary>Why the digest is not known yet, or a warning about the image.</summary>
    public string? Note { get; init; }
}

/// <summary>The zoo: the version this key gets (<see cref="NewVersion"/>: published by this run) and alias moves.</summary>
public sealed record ZooPlan
{
    public required int Version { get; init; }
    public required bool NewVersion { get; init; }
    public IReadOnlyList<AliasMove> AliasMoves { get; init; } = [];
}

/// <summary>An alias of a model moving from one version (null: not set) to another.</summary>
public sealed record AliasMove(string Alias, int? From, int To);

/// <summary>
/// <c>test/&lt;name&gt;/config.yaml</c>: <c>create</c>, <c>change</c> (with <see cref="Diff"/>), <c>unchanged</c>
/// or <c>left-alone</c> (a freeze or a pin set by hand; <see cref="Reason"/>).
/// </summary>
public sealed record GitOpsPlan
{
    public required string Path { get; init; }
    public required string Action { get; init; }
    public string? Before { get; init; }
    public string? After { get; init; }
    public string? Diff { get; init; }
    public string? Reason { get; init; }
}

/// <summary>
/// The promotion (OpenPr): <c>open</c> (a new pull request), <c>update</c> (the forge has an open pull request
/// for the branch, <see cref="Url"/>: it is updated, or left as it is when nothing changed), <c>nothing-to-do</c>
/// (prod already pins it), <c>frozen</c>, or <c>none</c> (the test pin does not change, so OpenPr leaves the
/// promotion alone). <see cref="Close"/>: the model's older open promotions it supersedes.
/// </summary>
public sealed record PromotionPlan
{
    public required string Action { get; init; }
    public required string Forge { get; init; }
    public string? Branch { get; init; }
    public string? ProdPath { get; init; }
    public IReadOnlyList<string> Close { get; init; } = [];

    /// <summary>For <c>update</c>: the open pull request (the local forge: its text in the run state).</summary>
    public string? Url { get; init; }

    public string? Reason { get; init; }
}
