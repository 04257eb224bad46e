Task("Publish")
    .Description("Runs the whole flow for the selected models (all by default).")
    .IsDependentOn("OpenPr")
    .IsDependentOn("Report");

Task("Plan")
    .Description("Prints every side effect ./build.sh Publish would make (training, images, zoo versions and aliases, GitOps diffs, pull requests) and writes nothing; same as ./build.sh Publish --plan.")
    .IsDependentOn("Compile")
    .Does(() => Modelpipe("plan"));

// --plan applies to the run it describes: Publish (or Plan itself).
string PlanOf(string target)
{
    if (target == "Publish" || target == "Plan") return "Plan";
    modelpipeExitCode = 2; // a usage error, like modelpipe's own
    throw new CakeException(2, $"--plan describes a Publish run; {target} has no plan. Fix: ./build.sh Publish --plan [--model NAME].");
}
