// Environments: the GitOps repository Argo CD deploys from, and promotion pull requests.
Task("UpdateGitOps")
    .Description("Pins test/<name>/config.yaml in the GitOps repository to the published digest; commits and pushes.")
    .IsDependentOn("Validate")
    .Does(() => Modelpipe("gitops"));
