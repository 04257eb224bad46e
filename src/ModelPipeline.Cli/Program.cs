using System.CommandLine;
using ModelPipeline.Cli.Commands;

ModelPipeline.Git.GitClone.FetchOncePerRun = true; // one modelpipe process is one run: each remote is fetched once
ModelPipeline.RunState.JsonWarmUp.Start();
var root = new RootCommand("modelpipe: take a model from a definition in git to a reviewed production deployment.")
{
    CommonOptions.Root,
    CommonOptions.Config,
    CommonOptions.Json,
    CommonOptions.Parallel,
    CommonOptions.Verbose,
};
root.Subcommands.Add(StepCommands.Check());
root.Subcommands.Add(StepCommands.Fetch());
root.Subcommands.Add(StepCommands.Train());
root.Subcommands.Add(StepCommands.Validate());
root.Subcommands.Add(PackageCommands.Package());
root.Subcommands.Add(ServeCommands.ServeCheck());
root.Subcommands.Add(ZooCommands.Push());
root.Subcommands.Add(ImportCommands.Import());
root.Subcommands.Add(ZooCommands.Models());
root.Subcommands.Add(ZooCommands.Pull());
root.Subcommands.Add(ServeCommands.Serve());
root.Subcommands.Add(TrustCommands.Verify());
root.Subcommands.Add(TrustCommands.Sign());
root.Subcommands.Add(SyncCommands.Sync());
root.Subcommands.Add(SyncCommands.Publish());
foreach (var verb in GitOpsCommands.All()) root.Subcommands.Add(verb);
root.Subcommands.Add(EnvCommands.Env());
root.Subcommands.Add(CiCommands.Ci());
root.Subcommands.Add(ReportCommands.Report());
root.Subcommands.Add(HistoryCommands.History());
root.Subcommands.Add(GcCommands.Gc());
root.Subcommands.Add(PlanCommands.Plan());
root.Subcommands.Add(StepsCommand.Create(root));

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors) Console.Error.WriteLine($"error: {error.Message}");
    Console.Error.WriteLine("Fix: see 'modelpipe --help' or 'modelpipe <verb> --help'.");
    return ModelPipeline.Cli.Output.JsonEnvelope.UsageError(parse, 2);
}
// Ctrl-C cancels the verb's token; the process then has this long to finish cleaning up (a remote
// training run's cancel request, with its retries, takes up to RemoteWait.CancelBudget) before it is
// ended. System.CommandLine's default of two seconds cut those cancels short.
var invocation = new InvocationConfiguration
{
    ProcessTerminationTimeout = ModelPipeline.Training.Remote.RemoteWait.CancelBudget + TimeSpan.FromSeconds(10),
};
return await ModelPipeline.Cli.Output.JsonEnvelope.InvokeAsync(parse, () => parse.InvokeAsync(invocation));
