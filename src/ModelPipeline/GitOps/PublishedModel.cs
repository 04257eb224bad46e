using ModelPipeline.Errors;
using ModelPipeline.Packaging;
using ModelPipeline.RunState;
using ModelPipeline.Zoo;

namespace ModelPipeline.GitOps;

/// <summary>
/// What earlier steps recorded about one training key: the image (PackageModelCar's <c>package.json</c>)
/// and the zoo version (PushMirrors' <c>zoo.json</c>).
/// </summary>
public sealed record PublishedModel
{
    public required string Model { get; init; }
    public required string TrainingKey { get; init; }
    public required int Version { get; init; }
    public required string Repository { get; init; }
    public required string Digest { get; init; }
    public required string Reference { get; init; }
    public required string StorageUri { get; init; }

    /// <summary>The published model of a validated training key; a clear failure names the missing step.</summary>
    public static PublishedModel Require(RunStateStore state, string model, string key)
    {
        var runDir = state.RunDir(model, key);
        var package = state.ReadRun<PackageRecord>(model, key, "package")
            ?? throw new OperationFailedException($"model '{model}' (training key {key[..12]}) has not been packaged: {Path.Combine(runDir, "package.json")} does not exist. Fix: run ./build.sh PackageModelCar --model {model} (or Publish).") { Model = model };
        var zoo = state.ReadRun<ZooRecord>(model, key, "zoo")
            ?? throw new OperationFailedException($"model '{model}' (training key {key[..12]}) has not been published to the zoo: {Path.Combine(runDir, "zoo.json")} does not exist. Fix: run ./build.sh PushMirrors --model {model} (or Publish).") { Model = model };
        if (zoo.Digest != package.Digest)
            throw new OperationFailedException($"model '{model}': zoo.json (v{zoo.Version}, {zoo.Digest}) and package.json ({package.Digest}) of training key {key[..12]} disagree. Fix: re-run ./build.sh PushMirrors --model {model}.") { Model = model };
        return new PublishedModel
        {
            Model = model,
            TrainingKey = key,
            Version = zoo.Version,
            Repository = package.Repository,
            Digest = package.Digest,
            Reference = package.Reference,
            StorageUri = package.StorageUri,
        };
    }
}
