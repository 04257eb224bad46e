using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Git;
using ModelPipeline.Models;
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
        var package = state.ReadRun<PackageInput>(model.Name, key, "package")
            ?? throw new OperationFailedException($"model '{model.Name}' (training key {key[..12]}) has not been packaged into a ModelCar image. Fix: run ./build.sh PackageModelCar --model {model.Name}.") { Model = model.Name };
        var packagePath = Path.Combine(state.RunDir(model.Name, key), "package.json");
        if (package.TrainingKey != key || !ZooLayout.IsDigest(package.Digest ?? "") || string.IsNullOrEmpty(package.Repository))
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
                Repository = package.Repository!,
                Tag = package.Tag,
                Digest = package.Digest!,
                Reference = package.Reference ?? $"{package.Repository}@{package.Digest}",
                StorageUri = package.StorageUri ?? $"oci://{package.Repository}@{package.Digest}",
                Destination = package.Destination,
                SizeBytes = package.SizeBytes,
            },
        };
        var record = await new ZooRepository(config, reporter).PublishAsync(input, ct);
        state.WriteRun(model.Name, key, "zoo", record);
        return record;
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

    /// <summary>The fields of PackageModelCar's <c>package.json</c> this step reads.</summary>
    private sealed record PackageInput
    {
        public string? Model { get; init; }
        public string? TrainingKey { get; init; }
        public string? Destination { get; init; }
        public string? Repository { get; init; }
        public string? Tag { get; init; }
        public string? Digest { get; init; }
        public string? Reference { get; init; }
        public string? StorageUri { get; init; }
        public long SizeBytes { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
    }
}
