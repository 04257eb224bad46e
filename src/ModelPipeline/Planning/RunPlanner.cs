using ModelPipeline.Ci;
using ModelPipeline.Configuration;
using ModelPipeline.GitOps;
using ModelPipeline.Models;
using ModelPipeline.Oci;
using ModelPipeline.Packaging;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Training;
using ModelPipeline.Validation;

namespace ModelPipeline.Planning;

/// <summary>
/// The what-if plan of <c>./build.sh Publish</c>: every side effect of the run, decided the way the steps
/// decide it and written nowhere. It builds on <see cref="WorkPlan.AssessAsync"/> (training keys without
/// fetching, from one zoo snapshot), asks PackageModelCar for the image it would make
/// (<see cref="ModelCarPackager.PreviewAsync"/>: a dry-run target and a read-only layer cache), UpdateGitOps
/// whether it would leave test alone, and reads the GitOps branch and promotion branches once.
/// Reads only: the zoo and GitOps repositories are cloned into a scratch folder (<see cref="PlanSandbox"/>), so
/// neither the workspace nor a remote changes, and a missing local remote reads as empty; registries and OCI
/// layouts are asked (HEAD) which blobs they have; a hosted forge is asked (GET) which pull requests are open.
/// </summary>
public sealed partial class RunPlanner(PipelineConfig config, RunStateStore state, IPipelineReporter reporter)
{
    /// <summary>Stands for an image digest in a planned config.yaml while the model is not trained yet.</summary>
    public const string UnknownDigest = "sha256:(known after training)";

    public async Task<RunPlan> PlanAsync(IReadOnlyList<ModelDefinition> models, CancellationToken ct)
    {
        GitOpsRepository.CheckSettings(config); // bad GitOps settings fail (exit 2) before anything is read
        using var sandbox = await PlanSandbox.CreateAsync(config, ct);
        var zoo = await WorkPlan.AssessAsync(sandbox.Config, models, reporter, ct);
        using var registries = new RegistryConnector(config.Registry, reporter);
        var packager = new ModelCarPackager(config, state, reporter, registries);
        var built = new List<(ModelAssessment Zoo, TrainingPlan Training, ImagePlanEntry Image)>();
        foreach (var model in zoo.Models)
        {
            var training = Training(model);
            built.Add((model, training, await ImageAsync(model, training, packager, registries, ct)));
        }
        var plans = await EnvironmentsAsync(sandbox.Config, built, ct);
        return new RunPlan { Models = plans, ZooCommit = zoo.ZooCommit };
    }

    /// <summary>As TrainingStep decides: a published key is reused, a key trained here is skipped, else trained.</summary>
    private TrainingPlan Training(ModelAssessment model)
    {
        var name = model.Model.Name;
        var backend = model.Model.Training.Backend;
        if (model.Published is { } published)
            return new TrainingPlan { Action = "reuse-zoo", Backend = backend, Version = published.Version };
        var previous = state.ReadRun<TrainingRecord>(name, model.Key, "train");
        if (previous is not null && previous.ReusedVersion is null && Directory.Exists(state.OutputDir(name, model.Key)))
            return new TrainingPlan { Action = "reuse-workspace", Backend = backend, RunId = previous.RunId };
        return new TrainingPlan { Action = "train", Backend = backend };
    }

    /// <summary>
    /// The image: a published key's recorded image (checked to exist; its version tag added when missing), or the
    /// image PackageModelCar would build from the trained output here, or "built after training".
    /// </summary>
    private async Task<ImagePlanEntry> ImageAsync(ModelAssessment model, TrainingPlan training, ModelCarPackager packager,
        RegistryConnector registries, CancellationToken ct)
    {
        var name = model.Model.Name;
        if (model.Published is { } published)
        {
            var image = published.Manifest.Image;
            var store = new PublishedImage(config, registries);
            var versionTag = $"{name}-v{published.Version}";
            return new ImagePlanEntry
            {
                Action = "reuse", Destination = image.Destination ?? config.ModelCar.Destination, Repository = image.Repository,
                Tag = image.Tag, Digest = image.Digest, SizeBytes = image.SizeBytes, UploadBytes = 0,
                Present = await store.ExistsAsync(image, ct),
                TagsToAdd = await store.TagDigestAsync(image, versionTag, ct) is null ? [versionTag] : [],
            };
        }
        var tags = new List<string> { packager.TagOf(name, model.Key), $"{name}-v{model.NextVersion}" };
        var output = state.OutputDir(name, model.Key);
        if (training.Action != "reuse-workspace" || !Directory.Exists(output))
            return new ImagePlanEntry
            {
                Action = "build", Destination = config.ModelCar.Destination, Repository = packager.RepositoryOf(name),
                Tag = tags[0], TagsToAdd = tags, Attachments = Attachments(), Note = "built after training (size unknown)",
            };
        var report = state.ReadRun<ValidationReport>(name, model.Key, "validate");
        var manifest = report is { Passed: true } ? report.Manifest : await ModelCarPackager.ManifestOfAsync(output, ct);
        var preview = await packager.PreviewAsync(model.Model, model.Key, manifest, ct);
        return new ImagePlanEntry
        {
            Action = preview.ManifestPresent && preview.UploadBytes == 0 ? "present" : "build",
            Destination = preview.Destination, Repository = preview.Repository, Tag = preview.Tag, Digest = preview.Digest,
            SizeBytes = preview.SizeBytes, UploadBytes = preview.UploadBytes, Blobs = preview.Blobs,
            Present = preview.ManifestPresent, TagsToAdd = preview.ManifestPresent ? tags.Skip(1).ToList() : tags,
            Attachments = Attachments(),
            Note = report is { Passed: false } ? "the trained output failed validation: the run stops at Validate" : null,
        };
    }

    /// <summary>What PackageModelCar attaches beside a new image (ImageAttestor, ModelPackWriter).</summary>
    private List<string> Attachments()
    {
        var signing = config.Signing.Mode != "never"
            && !string.IsNullOrWhiteSpace(System.Environment.GetEnvironmentVariable(config.Signing.KeyEnv));
        var list = new List<string> { "SBOM (CycloneDX)", "provenance (in-toto DSSE)" };
        if (signing) list.Add("signatures (cosign)");
        if (config.ModelCar.Formats.Contains("modelpack")) list.Add("ModelPack artifact");
        return list;
    }
}
