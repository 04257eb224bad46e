// Runs the `modelpipe` CLI built by Compile. Forwards the selection and common options given to
// ./build.sh (--model NAME..., --json, --config FILE) so every runner executes the same command.
var configuration = Argument("configuration", "Release");
// Cake runs with the script folder (build/) as working directory; the repository root is its parent.
var repoRoot = MakeAbsolute(Directory("..")).FullPath;
var modelpipeDll = $"{repoRoot}/src/ModelPipeline.Cli/bin/{configuration}/net10.0/modelpipe.dll";

// The exit code of the last failed modelpipe run; build.cake exits with it.
var modelpipeExitCode = 0;

void Modelpipe(string verb, params string[] extra)
{
    var args = new ProcessArgumentBuilder().Append(modelpipeDll);
    foreach (var part in verb.Split(' ')) args.Append(part);
    args.Append("--root").AppendQuoted(repoRoot);
    foreach (var model in Arguments<string>("model", new string[0])) args.Append("--model").AppendQuoted(model);
    if (HasArgument("config")) args.Append("--config").AppendQuoted(Argument<string>("config"));
    if (HasArgument("json")) args.Append("--json");
    foreach (var e in extra) args.Append(e);
    var exit = StartProcess("dotnet", new ProcessSettings { Arguments = args, WorkingDirectory = repoRoot });
    if (exit != 0)
    {
        modelpipeExitCode = exit;
        throw new CakeException(exit, $"modelpipe {verb} failed with exit code {exit}");
    }
}
