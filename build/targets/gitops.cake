// Environments: the GitOps repository Argo CD deploys from, and promotion pull requests.
Task("UpdateGitOps")
    .Description("Pins test/<name>/config.yaml in the GitOps repository to the published digest; commits and pushes.")
    .IsDependentOn("PushMirrors")
    .Does(() => Modelpipe("gitops"));

Task("OpenPr")
    .Description("Opens (or updates) the pull request that sets prod/<name>/config.yaml to the digest now in test.")
    .IsDependentOn("UpdateGitOps")
    .Does(() => Modelpipe("pr"));

Task("Promote")
    .Description("Opens the promotion pull request for a chosen tested version: ./build.sh Promote --model NAME --version N.")
    .IsDependentOn("Compile")
    .Does(() =>
{
    // build.sh passes --version N as --model-version (Cake keeps --version for itself).
    if (Arguments<string>("model", new string[0]).Count != 1 || !HasArgument("model-version"))
    {
        modelpipeExitCode = 2; // a usage error, like modelpipe's own
        throw new CakeException(2, "Promote needs exactly one model and a version: ./build.sh Promote --model NAME --version N");
    }
    var promote = new List<string> { "--version", Argument<string>("model-version") };
    if (HasArgument("allow-yanked")) promote.Add("--allow-yanked"); // a yanked version, named exactly
    Modelpipe("promote", promote.ToArray());
});

Task("MergePr")
    .Description("Local forge: merges the open promotion of a model in the GitOps repository, then syncs the zoo's aliases: ./build.sh MergePr --model NAME [--version N].")
    .IsDependentOn("Compile")
    .Does(() =>
{
    if (Arguments<string>("model", new string[0]).Count != 1)
    {
        modelpipeExitCode = 2; // a usage error, like modelpipe's own
        throw new CakeException(2, "MergePr needs exactly one model: ./build.sh MergePr --model NAME [--version N]");
    }
    if (HasArgument("model-version")) Modelpipe("pr merge", "--version", Argument<string>("model-version"));
    else Modelpipe("pr merge");
});

Task("SyncAliases")
    .Description("Sets the zoo's test and prod aliases to the versions the GitOps repository deploys (run by CI on the GitOps repo's main branch).")
    .IsDependentOn("Compile")
    .Does(() => Modelpipe("sync-aliases"));
