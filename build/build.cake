// The target graph. Each step target runs one `modelpipe` verb as a process (see docs/targets-and-verbs.md, "Why Cake").
// Concerns live in build/targets/*.cake; shared helpers in build/lib/*.cake.
#load "lib/modelpipe.cake"
#load "targets/compile.cake"
#load "targets/steps.cake"
#load "targets/test.cake"
#load "targets/modelcar.cake"
#load "targets/zoo.cake"
#load "targets/gitops.cake"
#load "targets/publish.cake"
#load "targets/ci.cake"
#load "targets/report.cake"

var target = Argument("target", "Default");

Task("Default")
    .Description("Lists the targets (same as ./build.sh with no target).")
    .Does(() => Information("Run ./build.sh <Target>; ./build.sh lists the targets with descriptions."));

// Keep modelpipe's exit code (2 invalid input, 1 failed operation) as the build's exit code.
try
{
    // ./build.sh Publish --plan: the what-if plan of the run instead of the run (publish.cake, target Plan).
    RunTarget(HasArgument("plan") ? PlanOf(target) : target);
}
catch (Exception ex)
{
    Error(ex.Message);
    System.Environment.Exit(modelpipeExitCode != 0 ? modelpipeExitCode : 1);
}
