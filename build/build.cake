// The target graph. Each step target runs one `modelpipe` verb as a process (see README, "Why Cake").
// Concerns live in build/targets/*.cake; shared helpers in build/lib/*.cake.
#load "lib/modelpipe.cake"
#load "targets/compile.cake"
#load "targets/steps.cake"
#load "targets/test.cake"
#load "targets/zoo.cake"
#load "targets/publish.cake"

var target = Argument("target", "Default");

Task("Default")
    .Description("Lists the targets (same as ./build.sh with no target).")
    .Does(() => Information("Run ./build.sh <Target>; ./build.sh lists the targets with descriptions."));

RunTarget(target);
