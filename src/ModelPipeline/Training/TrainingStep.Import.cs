using ModelPipeline.Errors;
using ModelPipeline.Models;
using ModelPipeline.Zoo;

namespace ModelPipeline.Training;

/// <summary>
/// Train of an imported model (<c>"backend": "import"</c>): nothing is trained. The key this
/// workspace imported stays in force; a workspace without one (a fresh CI job) reuses the zoo's
/// newest version of the model, so Publish carries an imported model like a trained one.
/// </summary>
public sealed partial class TrainingStep
{
    private async Task<(TrainingRecord Record, bool Skipped)> ImportedAsync(ModelDefinition model, CancellationToken ct)
    {
        if (state.CurrentKey(model.Name) is { } current
            && state.ReadRun<TrainingRecord>(model.Name, current, "train") is { Backend: Importing.ImportStep.Backend } record)
        {
            reporter.Info(model.Name, $"imported model: training key {current[..12]} " +
                $"({record.ImportedFrom?.Uri ?? $"zoo v{record.ReusedVersion}"}) is in force; nothing to train");
            return (record, true);
        }
        if (Zoo is not null)
        {
            int? newest;
            using (var snapshot = await Zoo.ReadAsync(ct))
                newest = snapshot.List().Models.FirstOrDefault(m => m.Model == model.Name)?.Latest;
            if (newest is { } version && await Zoo.FindVersionAsync(model.Name, version, ct) is { } published)
            {
                var key = published.Manifest.TrainingKey;
                state.WriteRun(model.Name, key, "published", published);
                return Reuse(model, key, published, state.ReadRun<TrainingRecord>(model.Name, key, "train"));
            }
        }
        throw new InvalidInputException($"model '{model.Name}', models/{model.Name}/model.json: $.training.backend is \"import\": " +
            "it is not trained here, and neither this workspace nor the zoo has an imported version of it. " +
            $"Fix: run modelpipe import {model.Name} --from SOURCE (docs/import.md).") { Model = model.Name };
    }
}
