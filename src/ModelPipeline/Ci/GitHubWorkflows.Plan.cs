namespace ModelPipeline.Ci;

public static partial class GitHubWorkflows
{
    /// <summary>
    /// On a pull request of the models repository: the what-if plan of the Publish run the merge would start
    /// (<c>modelpipe plan</c>: writes nothing), in the job's log and its summary ($GITHUB_STEP_SUMMARY, Markdown).
    /// </summary>
    private static YamlMap WhatIfJob(CiContext ci, IEnumerable<string> setup, string settings)
    {
        var steps = new List<YamlMap>(Prepare()) { Download(BuildArtifact, CiContext.BuildDir) };
        steps.AddRange(setup.Select(t => Run(t, $"./build.sh {t}")));
        steps.Add(Run("What-if plan", $"dotnet {CiContext.Modelpipe} plan --config {settings} --summary \"$GITHUB_STEP_SUMMARY\"",
            Secrets(ci.GitHubSecrets)));
        return new YamlMap
        {
            { "name", "What-if plan" },
            { "needs", "test" },
            { "if", "github.event_name == 'pull_request'" },
            { "runs-on", "ubuntu-latest" },
            { "timeout-minutes", 30 },
            { "steps", steps },
        };
    }
}
