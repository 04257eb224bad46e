using ModelPipeline.Configuration;
using ModelPipeline.Models;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Training.Kfp;
using ModelPipeline.Training.RunPod;

namespace ModelPipeline.Training;

/// <summary>The training backends of this installation, by the name model.json's <c>training.backend</c> uses.</summary>
public static class TrainingBackends
{
    public static IReadOnlyDictionary<string, ITrainingBackend> Create(PipelineConfig config, RunStateStore state, IPipelineReporter reporter, IReadOnlyCollection<string>? withheldVariables = null) =>
        new Dictionary<string, ITrainingBackend>
        {
            ["local"] = new LocalTrainingBackend(reporter, withheldVariables),
            ["kfp"] = new KfpTrainingBackend(config, state, reporter),
            ["runpod"] = new RunPodTrainingBackend(config, state, reporter),
        };

    /// <summary>Checks a remote backend's settings (model.json options over pipeline.json defaults); throws every problem at once (exit 2).</summary>
    public static void Check(ModelDefinition model, PipelineConfig config)
    {
        switch (model.Training.Backend)
        {
            case "local" when model.Training.Options.Count > 0:
                throw new Errors.InvalidInputException($"model '{model.Name}', models/{model.Name}/model.json: $.training.options: the local backend takes no options (got {string.Join(", ", model.Training.Options.Keys)}). Fix: remove them, or choose \"backend\": \"kfp\" or \"runpod\".") { Model = model.Name };
            case "kfp": KfpTrainingBackend.Settings(model, config); break;
            case Importing.ImportStep.Backend when model.Training.Options.Count > 0:
                throw new Errors.InvalidInputException($"model '{model.Name}', models/{model.Name}/model.json: $.training.options: an imported model takes no options. Fix: remove them.") { Model = model.Name };
            case "runpod": RunPodTrainingBackend.Settings(model, config); break;
        }
    }

    /// <summary>Environment variables a model's own training options name as secrets (tokens, S3 keys).</summary>
    public static IEnumerable<string> SecretVariables(ModelDefinition model) =>
        Remote.RemoteOptions.SecretNames(model.Training.Options);
}
