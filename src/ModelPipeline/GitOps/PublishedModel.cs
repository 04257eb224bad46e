using ModelPipeline.Errors;
using ModelPipeline.RunState;
using ModelPipeline.Validation;

namespace ModelPipeline.GitOps;

/// <summary>
/// What earlier steps recorded about one training key: the image (PackageModelCar's <c>package.json</c>),
/// the zoo version (PushMirrors' <c>zoo.json</c>) and the validation report.
/// </summary>
public sealed record PublishedModel
{
    public required string Model { get; init; }
    public required string TrainingKey { get; init; }
    public required int Version { get; init; }
    public required string ZooCommit { get; init; }
    public required string Repository { get; init; }
    public required string Digest { get; init; }
    public required string Reference { get; init; }
    public required string StorageUri { get; init; }
    public ValidationReport? Validation { get; init; }

    /// <summary>The published model of a validated training key; a clear failure names the missing step.</summary>
    public static PublishedModel Require(RunStateStore state, string model, string key)
    {
        var package = state.ReadRun<PackageFile>(model, key, "package")
            ?? throw new OperationFailedException($"model '{model}' (training key {key[..12]}) has not been packaged: {Path.Combine(state.RunDir(model, key), "package.json")} does not exist. Fix: run ./build.sh PackageModelCar --model {model} (or Publish).") { Model = model };
        var zoo = state.ReadRun<ZooFile>(model, key, "zoo")
            ?? throw new OperationFailedException($"model '{model}' (training key {key[..12]}) has not been published to the zoo: {Path.Combine(state.RunDir(model, key), "zoo.json")} does not exist. Fix: run ./build.sh PushMirrors --model {model} (or Publish).") { Model = model };
        if (zoo.Version < 1 || string.IsNullOrEmpty(package.Digest) || !package.Digest.StartsWith("sha256:", StringComparison.Ordinal) || string.IsNullOrEmpty(package.Repository))
            throw new OperationFailedException($"model '{model}': {Path.Combine(state.RunDir(model, key), "package.json")} or zoo.json lacks a version, repository or sha256 digest. Fix: re-run ./build.sh PackageModelCar PushMirrors --model {model}.") { Model = model };
        return new PublishedModel
        {
            Model = model,
            TrainingKey = key,
            Version = zoo.Version,
            ZooCommit = zoo.Commit ?? "",
            Repository = package.Repository,
            Digest = package.Digest,
            Reference = package.Reference ?? $"{package.Repository}@{package.Digest}",
            StorageUri = package.StorageUri ?? $"oci://{package.Repository}@{package.Digest}",
            Validation = state.ReadRun<ValidationReport>(model, key, "validate"),
        };
    }

    /// <summary>Every published version of a model found in this workspace's run state, by version.</summary>
    public static IReadOnlyDictionary<int, PublishedModel> All(RunStateStore state, string model)
    {
        var result = new Dictionary<int, PublishedModel>();
        var runs = Path.Combine(state.ModelDir(model), "runs");
        if (!Directory.Exists(runs)) return result;
        foreach (var dir in Directory.GetDirectories(runs).Order(StringComparer.Ordinal))
        {
            var key = Path.GetFileName(dir);
            if (!File.Exists(Path.Combine(dir, "zoo.json")) || !File.Exists(Path.Combine(dir, "package.json"))) continue;
            var published = Require(state, model, key);
            result[published.Version] = published;
        }
        return result;
    }

    // The fields this step reads from PackageModelCar's and PushMirrors' records.
    private sealed record PackageFile
    {
        public string Repository { get; init; } = "";
        public string Digest { get; init; } = "";
        public string? Reference { get; init; }
        public string? StorageUri { get; init; }
    }

    private sealed record ZooFile
    {
        public int Version { get; init; }
        public string? Commit { get; init; }
    }
}
