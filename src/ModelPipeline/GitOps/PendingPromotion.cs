using ModelPipeline.RunState;

namespace ModelPipeline.GitOps;

/// <summary>
/// A test pin that UpdateGitOps changed and OpenPr has not proposed for prod yet:
/// <c>artifacts/&lt;model&gt;/pending-promotion.json</c>. OpenPr acts only on models that have one, so a
/// Publish touches the promotion branch and pull request of exactly the models whose test pin changed
/// (a failed OpenPr keeps it, and a re-run proposes it). Promote proposes a chosen version regardless.
/// </summary>
public sealed record PendingPromotion
{
    public required string Model { get; init; }
    public required int Version { get; init; }
    public required string Digest { get; init; }
    public required string TrainingKey { get; init; }

    /// <summary>The GitOps commit that changed the test pin.</summary>
    public string? TestCommit { get; init; }

    /// <summary>MODELPIPE_RUN_ID of the run that changed it, when set.</summary>
    public string? RunId { get; init; }

    private const string Step = "pending-promotion";

    public static PendingPromotion? Read(RunStateStore state, string model) => state.ReadModel<PendingPromotion>(model, Step);

    public void Write(RunStateStore state) => state.WriteModel(Model, Step, this);

    public static void Clear(RunStateStore state, string model) => File.Delete(Path.Combine(state.ModelDir(model), Step + ".json"));
}
