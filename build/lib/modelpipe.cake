// Runs the `modelpipe` CLI built by Compile. Forwards the selection and common options given to
// ./build.sh (--model NAME..., --json, --config FILE, --parallel N) so every runner executes the same command.
//
// One process per run: the first step target starts `modelpipe steps`, and every step target sends it
// its verb (one JSON line on its standard input) and waits for that verb's exit code. So a chain of
// targets (Publish) starts modelpipe once and fetches each remote once, while each target still runs
// alone, shows its own output, and fails on its own. --one-process-per-step starts one process per verb.
var configuration = Argument("configuration", "Release");
// Cake runs with the script folder (build/) as working directory; the repository root is its parent.
var repoRoot = MakeAbsolute(Directory("..")).FullPath;
var modelpipeDll = $"{repoRoot}/src/ModelPipeline.Cli/bin/{configuration}/net10.0/modelpipe.dll";

// The exit code of the last failed modelpipe run; build.cake exits with it.
var modelpipeExitCode = 0;

System.Diagnostics.Process modelpipeSteps = null;
string modelpipeStepsStatus = null;
var modelpipeStepsSent = 0;

void Modelpipe(string verb, params string[] extra)
{
    var argv = new List<string>(verb.Split(' '));
    argv.Add("--root"); argv.Add(repoRoot);
    foreach (var model in Arguments<string>("model", new string[0])) { argv.Add("--model"); argv.Add(model); }
    if (HasArgument("config")) { argv.Add("--config"); argv.Add(Argument<string>("config")); }
    if (HasArgument("json")) argv.Add("--json");
    if (HasArgument("parallel")) { argv.Add("--parallel"); argv.Add(Argument<string>("parallel")); }
    if (HasArgument("verbose")) argv.Add("--verbose");
    argv.AddRange(extra);
    var exit = HasArgument("one-process-per-step") ? ModelpipeProcess(argv) : ModelpipeStep(argv);
    if (exit != 0)
    {
        modelpipeExitCode = exit;
        throw new CakeException(exit, $"modelpipe {verb} failed with exit code {exit}");
    }
}

// One verb, one process.
int ModelpipeProcess(List<string> argv)
{
    var args = new ProcessArgumentBuilder().Append(modelpipeDll);
    foreach (var a in argv) args.AppendQuoted(a);
    return StartProcess("dotnet", new ProcessSettings { Arguments = args, WorkingDirectory = repoRoot });
}

// One verb sent to the run's `modelpipe steps` process (started on first use; it ends when this script does).
int ModelpipeStep(List<string> argv)
{
    if (modelpipeSteps == null)
    {
        modelpipeStepsStatus = System.IO.Path.GetTempFileName();
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardInput = true, WorkingDirectory = repoRoot };
        foreach (var a in new[] { modelpipeDll, "steps", "--status-file", modelpipeStepsStatus }) start.ArgumentList.Add(a);
        modelpipeSteps = System.Diagnostics.Process.Start(start);
    }
    modelpipeSteps.StandardInput.WriteLine(System.Text.Json.JsonSerializer.Serialize(argv));
    modelpipeSteps.StandardInput.Flush();
    modelpipeStepsSent++;
    while (true)
    {
        var text = System.IO.File.ReadAllText(modelpipeStepsStatus);
        var lines = text.Split('\n');
        if (lines.Length > modelpipeStepsSent) return int.Parse(lines[modelpipeStepsSent - 1]);
        if (modelpipeSteps.HasExited) return modelpipeSteps.ExitCode != 0 ? modelpipeSteps.ExitCode : 1;
        System.Threading.Thread.Sleep(5);
    }
}
