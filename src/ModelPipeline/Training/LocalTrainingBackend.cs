using System.Globalization;
using System.Text.Json;
using CliWrap;
using ModelPipeline.Errors;
using ModelPipeline.Progress;

namespace ModelPipeline.Training;

/// <summary>
/// Runs the model's trainer command on this machine: no shell, working directory = model folder,
/// inputs through environment variables, output streamed line by line, timeout and Ctrl-C kill
/// the whole process tree.
/// </summary>
/// <remarks>
/// Environment given to the trainer:
/// MP_MODEL_NAME, MP_TRAINING_KEY, MP_DATA_DIR (one entry per data source, by name),
/// MP_DATA_&lt;NAME&gt; (path of each source), MP_OUTPUT_DIR (write trained files here),
/// MP_HYPERPARAMETERS (JSON object) and MP_HP_&lt;NAME&gt; (each hyperparameter as text).
/// </remarks>
public sealed class LocalTrainingBackend(IPipelineReporter reporter, IReadOnlyCollection<string>? withheldVariables = null) : ITrainingBackend
{
    public string Name => "local";

    public async Task<string> TrainAsync(TrainingRequest request, CancellationToken ct)
    {
        var model = request.Model;
        var command = model.Training.Command!;
        var env = Environment(request);
        // Trainer code is the model author's: it gets no pipeline secrets (tokens, registry password).
        foreach (var name in withheldVariables ?? []) env[name] = null;
        var runId = $"local-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}-{request.TrainingKey[..8]}";
        reporter.Info(model.Name, $"training with: {string.Join(' ', command)} (timeout {model.Training.TimeoutSeconds}s)");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(model.Training.TimeoutSeconds));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var cmd = Cli.Wrap(command[0])
            .WithArguments(command.Skip(1))
            .WithWorkingDirectory(model.Directory)
            .WithEnvironmentVariables(env)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => reporter.Output(model.Name, line)))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(line => reporter.Output(model.Name, line)))
            .WithValidation(CommandResultValidation.None);
        CommandResult result;
        try
        {
            result = await cmd.ExecuteAsync(linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new OperationFailedException($"model '{model.Name}': training exceeded its timeout of {model.Training.TimeoutSeconds}s and was killed (with its child processes). Fix: raise training.timeoutSeconds in model.json or make training faster.") { Model = model.Name };
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new OperationFailedException($"model '{model.Name}': the trainer command '{command[0]}' could not be started ({ex.Message}). Fix: check training.command in model.json and that the program is installed.") { Model = model.Name };
        }
        if (result.ExitCode != 0)
            throw new OperationFailedException($"model '{model.Name}': the trainer exited with code {result.ExitCode} after {result.RunTime.TotalSeconds:F1}s (its output is above). Nothing was kept from this run.") { Model = model.Name };
        return runId;
    }

    private static Dictionary<string, string?> Environment(TrainingRequest request)
    {
        var model = request.Model;
        var env = new Dictionary<string, string?>
        {
            ["MP_MODEL_NAME"] = model.Name,
            ["MP_TRAINING_KEY"] = request.TrainingKey,
            ["MP_DATA_DIR"] = request.DataDir,
            ["MP_OUTPUT_DIR"] = request.OutputDir,
            ["MP_HYPERPARAMETERS"] = JsonSerializer.Serialize(model.Training.Hyperparameters),
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };
        foreach (var (name, path) in request.DataPaths) env[$"MP_DATA_{EnvName(name)}"] = path;
        foreach (var (name, value) in model.Training.Hyperparameters)
            env[$"MP_HP_{EnvName(name)}"] = value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
        return env;
    }

    internal static string EnvName(string name) =>
        new(name.ToUpper(CultureInfo.InvariantCulture).Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
}
