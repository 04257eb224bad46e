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
/// The trainer gets an allow-listed environment (<see cref="TrainerEnvironment"/>): the MP_* contract,
/// the basics a program needs (PATH, HOME, locale, temp folders, ...) and the <c>training.env</c>
/// passthrough names; never the pipeline's tokens or other ambient CI variables.
/// </remarks>
public sealed class LocalTrainingBackend(IPipelineReporter reporter, IReadOnlyCollection<string>? withheldVariables = null) : ITrainingBackend
{
    public string Name => "local";

    public async Task<string> TrainAsync(TrainingRequest request, CancellationToken ct)
    {
        var model = request.Model;
        var command = model.Training.Command!;
        // Trainer code is the model author's: it gets an allow-list, never the pipeline's secrets.
        var env = TrainerEnvironment.ForLocalProcess(request, System.Environment.GetEnvironmentVariables(), withheldVariables ?? []);
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
}
