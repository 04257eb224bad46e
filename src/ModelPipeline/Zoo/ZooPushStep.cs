using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Git;
using ModelPipeline.Models;
using ModelPipeline.Oci;
using ModelPipeline.Packaging;
using ModelPipeline.Progress;
using ModelPipeline.RunState;

namespace ModelPipeline.Zoo;

/// <summary>
/// The PushMirrors step for one model: takes the validated training key and the packaged image
/// (<c>runs/&lt;key&gt;/package.json</c>), publishes it to the zoo, records <c>runs/&lt;key&gt;/zoo.json</c>.
/// </summary>
public sealed class ZooPushStep(PipelineConfig config, RunStateStore state, IPipelineReporter reporter)
{
    public async Task<ZooRecord> RunAsync(ModelDefinition model, CancellationToken ct)
    {
        var key = state.RequireValidated(model.Name);
        var package = state.ReadRun<PackageRecord>(model.Name, key, "package")
            ?? throw new OperationFailedException($"model '{model.Name}' (training key {key[..12]}) has not been packaged into a ModelCar image. Fix: run ./build.sh PackageModelCar --model {model.Name}.") { Model = model.Name };
        var packagePath = Path.Combine(state.RunDir(model.Name, key), "package.json");
        if (package.TrainingKey != key || !ZooLayout.IsDigest(package.Digest) || string.IsNullOrEmpty(package.Repository))
            throw new OperationFailedException($"{packagePath} does not describe an image of training key {key[..12]} (trainingKey, repository and a sha256 digest are required). Fix: re-run ./build.sh PackageModelCar --model {model.Name}.") { Model = model.Name };

        var input = new ZooEntryInput
        {
            Definition = model,
            TrainingKey = key,
            Validation = state.ReadRun<Validation.ValidationReport>(model.Name, key, "validate")!,
            OutputDir = state.OutputDir(model.Name, key),
            Training = state.ReadRun<Training.TrainingRecord>(model.Name, key, "train"),
            Fetch = state.ReadModel<Fetching.FetchRecord>(model.Name, "fetch"),
            SourceCommit = await SourceCommitAsync(ct),
            Image = new ZooImage
            {
                Repository = package.Repository,
                Tag = package.Tag,
                Digest = package.Digest,
                Reference = package.Reference,
                StorageUri = package.StorageUri,
                Destination = package.Destination,
                SizeBytes = package.SizeBytes,
                Signature = package.Attestations?.Signature,
                Sbom = package.Attestations?.Sbom,
                Provenance = package.Attestations?.Provenance,
                ModelPack = package.ModelPack,
            },
        };
        var record = await new ZooRepository(config, reporter).PublishAsync(input, ct);
        record = record with { VersionTag = await TagAsync(package, $"{model.Name}-v{record.Version}", ct) };
        state.WriteRun(model.Name, key, "zoo", record);
        return record;
    }

    /// <summary>Tags the image <c>&lt;model&gt;-v&lt;N&gt;</c> (same digest). The zoo entry is already pushed, so a failure is a warning.</summary>
    private async Task<string?> TagAsync(PackageRecord package, string tag, CancellationToken ct)
    {
        try
        {
            using var registries = new RegistryConnector(config.Registry, reporter);
            await new ModelCarTagger(config, registries).AddTagAsync(package, tag, ct);
            reporter.Info(package.Model, $"tagged {package.Repository}:{tag} → {package.Digest}");
            return tag;
        }
        catch (PipelineException ex)
        {
            reporter.Warning(package.Model, $"could not tag the image {package.Repository}:{tag} ({Redactor.Redact(ex.Message)}); the zoo entry stands. Fix: re-run PushMirrors when the image store is reachable.");
            return null;
        }
    }

    private async Task<string?> SourceCommitAsync(CancellationToken ct)
    {
        try
        {
            return (await new GitCli().RunAsync(config.RepoRoot, ["rev-parse", "--verify", "--quiet", "HEAD"], ct)).Trim();
        }
        catch (GitException)
        {
            return null;
        }
    }
}
