namespace ModelPipeline.Ci;

/// <summary>
/// GitHub Actions workflows: <c>publish.yml</c> (Test, then one job per Publish step handing the run
/// state on as an artifact, the report and Pages), <c>promote.yml</c> (manual, inputs model and version)
/// and <c>gitops-sync-aliases.yml</c> (for the GitOps repository).
/// </summary>
public static partial class GitHubWorkflows
{
    public static string Publish(CiContext ci)
    {
        var graph = ci.Graph;
        var settings = CiContext.GitHubSettings;
        var jobs = new YamlMap { { "test", TestJob() } };
        var steps = graph.PublishSteps;
        var previous = "test";
        for (var i = 0; i < steps.Count; i++)
        {
            var target = steps[i];
            var last = i == steps.Count - 1;
            var job = new List<YamlMap>(Prepare());
            if (i == 0) job.Add(DataCache());
            else job.Add(Download(RunStateArtifact(steps[i - 1])));
            job.AddRange(Build(graph, target, settings, env: Secrets(ci.GitHubSecrets)));
            job.Add(Outputs(settings));
            job.Add(Upload(RunStateArtifact(target), string.Join('\n', CiContext.RunStatePaths), "warn", hidden: true));
            if (last) job.AddRange(ReportSteps());
            var outputs = JobOutputs();
            if (last) outputs.Add("report", "${{ steps.report.outputs.exists }}");
            jobs.Add(CiContext.JobName(target), new YamlMap
            {
                { "name", target },
                { "needs", previous },
                { "if", "github.event_name != 'pull_request'" },
                { "runs-on", "ubuntu-latest" },
                { "timeout-minutes", 90 },
                { "outputs", outputs },
                { "steps", job },
            });
            previous = CiContext.JobName(target);
        }
        if (steps.Count > 0) jobs.Add("pages", PagesJob(previous));

        var workflow = new YamlMap
        {
            { "name", "models" },
            { "on", new YamlMap
                {
                    { "push", new YamlMap { { "branches", Main } } },
                    { "pull_request", new YamlMap { { "branches", Main } } },
                    { "workflow_dispatch", new YamlMap() },
                }
            },
            { "permissions", new YamlMap { { "contents", "read" } } },
            // Two pushes never publish at once (queued, not cancelled); pull requests only test, and a newer push cancels their run.
            { "concurrency", new YamlMap
                {
                    { "group", "${{ github.event_name == 'pull_request' && format('models-pr-{0}', github.ref) || 'models-publish' }}" },
                    { "cancel-in-progress", "${{ github.event_name == 'pull_request' }}" },
                }
            },
            { "env", WorkflowEnv(runId: true) },
            { "jobs", jobs },
        };
        return CiYaml.Write(
        [
            "Copy to .github/workflows/ of the models repository.",
            Generated,
            $"Jobs follow the target graph: Test, then {string.Join(" -> ", steps)}; each job runs one target",
            "with ./build.sh <Target> --exclusive on the run state (artifacts/, .pipeline/) the job before it uploaded,",
            "so a failed job can be re-run alone. Settings: " + settings + "; secrets by the names its *Env settings give.",
        ], workflow);
    }

    private static YamlMap TestJob() => new()
    {
        { "name", TargetGraph.TestTarget },
        { "runs-on", "ubuntu-latest" },
        { "timeout-minutes", 90 },
        { "permissions", new YamlMap { { "contents", "read" }, { "checks", "write" } } },
        { "steps", new List<YamlMap>(Prepare())
            {
                Run(TargetGraph.TestTarget, $"./build.sh {TargetGraph.TestTarget}"),
                new YamlMap
                {
                    { "name", "Test results" },
                    { "if", "always()" },
                    { "uses", CiPins.JunitReport.Use },
                    { "with", new YamlMap { { "report_paths", CiContext.TestResults + "*.junit.xml" }, { "check_name", "Test results" }, { "include_skipped", true } } },
                },
                Upload("test-results", CiContext.TestResults, "warn"),
            }
        },
    };

    /// <summary>The HTML report (artifacts/report/, when the run wrote one): an artifact, a Pages artifact and a link in the job summary.</summary>
    private static IEnumerable<YamlMap> ReportSteps()
    {
        yield return Run("Report", """
            if [ -f artifacts/report/index.html ]; then
              echo "exists=true" >> "$GITHUB_OUTPUT"
            else
              echo "no report in artifacts/report/ this run"
            fi
            """, id: "report", condition: "always()");
        yield return Upload("report", CiContext.ReportDir, "ignore", id: "upload-report");
        yield return Run("Report link", """
            echo "Report: [artifacts/report]($REPORT_URL) (GitHub Pages when enabled)" >> "$GITHUB_STEP_SUMMARY"
            """, new YamlMap { { "REPORT_URL", "${{ steps.upload-report.outputs.artifact-url }}" } }, condition: "always() && steps.report.outputs.exists == 'true'");
        yield return new YamlMap
        {
            { "name", "Pages artifact" },
            { "if", "always() && steps.report.outputs.exists == 'true'" },
            { "uses", CiPins.UploadPagesArtifact.Use },
            { "with", new YamlMap { { "path", CiContext.ReportDir } } },
        };
    }

    private static YamlMap PagesJob(string after) => new()
    {
        { "name", "Pages" },
        { "needs", after },
        { "if", $"always() && needs.{after}.outputs.report == 'true'" },
        { "runs-on", "ubuntu-latest" },
        { "permissions", new YamlMap { { "pages", "write" }, { "id-token", "write" } } },
        { "environment", new YamlMap { { "name", "github-pages" }, { "url", "${{ steps.deployment.outputs.page_url }}" } } },
        { "steps", new[]
            {
                new YamlMap { { "name", "Deploy the report" }, { "id", "deployment" }, { "uses", CiPins.DeployPages.Use } },
                Run("Report link", "echo \"Report: $PAGE_URL\" >> \"$GITHUB_STEP_SUMMARY\"", new YamlMap { { "PAGE_URL", "${{ steps.deployment.outputs.page_url }}" } }),
            }
        },
    };
}
