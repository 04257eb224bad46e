using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Models;
using ModelPipeline.Progress;
using ModelPipeline.Zoo;

namespace ModelPipeline.Validation;

public sealed partial class Validator
{
    /// <summary>Settings for pulling a published version's files (needed when a reused key's gates must re-run).</summary>
    public PipelineConfig? Config { get; init; }

    public IPipelineReporter Reporter { get; init; } = NullReporter.Instance;

    /// <summary>A key the zoo holds: the verdict comes from the published entry (<see cref="PublishedGate"/>).</summary>
    private async Task<ValidationReport> ValidatePublishedAsync(ModelDefinition model, string key, PublishedVersion published, CancellationToken ct)
    {
        if (Config is null)
            throw new OperationFailedException($"model '{model.Name}': training key {key[..12]} is published as v{published.Version}, and validating it needs the pipeline settings to pull its files. Fix: run ./build.sh Validate --model {model.Name}.") { Model = model.Name };
        var report = await PublishedGate.VerdictAsync(Config, Reporter, model, published, state.OutputDir(model.Name, key), ct);
        state.WriteRun(model.Name, key, "validate", report);
        return report;
    }
}
