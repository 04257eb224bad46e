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
        var setup = graph.Closure(TargetGraph.TestTarget).Where(graph.IsSetup).ToList();
        var onPush = "github.event_name != 'pull_request'";

        var plan = new List<YamlMap>(Prepare()) { Download(BuildArtifact, CiContext.BuildDir) };
        plan.AddRange(setup.Select(t => Run(t, $"./build.sh {t}")));
        plan.Add(Run("Plan", $"dotnet {CiContext.Modelpipe} ci plan --config {settings} --format github --to \"$GITHUB_OUTPUT\"",
            Secrets(ci.GitHubSecrets), id: "plan"));

        var model = new List<YamlMap>(Prepare()) { DataCache(), Download(BuildArtifact, CiContext.BuildDir) };
        var modelEnv = Secrets(ci.GitHubSecrets) ?? new YamlMap();
        modelEnv.Add("MODEL", "${{ matrix.model }}");
        model.Add(Run(string.Join(" -> ", graph.ModelJobSteps), $"./build.sh {TargetGraph.FanOutTarget} --config {settings} --model \"$MODEL\"", modelEnv, id: "target"));
        model.Add(Upload("records-${{ matrix.model }}", Records(), "warn"));

        var fanInEnv = Secrets(ci.GitHubSecrets) ?? new YamlMap();
        fanInEnv.Add("MODELPIPE_MODELS", "${{ needs.plan.outputs.names }}");
        var fanIn = new List<YamlMap>(Prepare()) { Download(BuildArtifact, CiContext.BuildDir) };
        fanIn.Add(new YamlMap
        {
            { "name", "Download the models' records" },
            { "if", "needs.plan.outputs.models != '[]'" },
            { "uses", CiPins.DownloadArtifact.Use },
            { "with", new YamlMap { { "pattern", "records-*" }, { "merge-multiple", true }, { "path", RunRecords.Folder } } },
        });
        var script = new List<string>
        {
            "MODEL_ARGS=$(for m in $MODELPIPE_MODELS; do printf -- '--model %s ' \"$m\"; done)",
            "if [ -z \"$MODEL_ARGS\" ]; then echo \"the plan lists no model: nothing to pin or propose\"; exit 0; fi",
        };
        script.AddRange(setup.Select(t => $"./build.sh {t}"));
        script.AddRange(graph.FanInSteps.Select(t => $"./build.sh {t} --exclusive --config {settings} $MODEL_ARGS"));
        fanIn.Add(Run(string.Join(", ", graph.FanInSteps), string.Join('\n', script) + "\n", fanInEnv, id: "target"));
        fanIn.Add(Outputs(settings));
        fanIn.Add(Upload("records-fan-in", Records(), "warn"));
        fanIn.AddRange(ReportSteps());
        var outputs = JobOutputs();
        outputs.Add("report", "${{ steps.report.outputs.exists }}");

        var jobs = new YamlMap
        {
            { "test", TestJob() },
            { "plan", new YamlMap
                {
                    { "name", "Plan" },
                    { "needs", "test" },
                    { "if", onPush },
                    { "runs-on", "ubuntu-latest" },
                    { "timeout-minutes", 30 },
                    { "outputs", new YamlMap { { "models", "${{ steps.plan.outputs.models }}" }, { "names", "${{ steps.plan.outputs.names }}" } } },
                    { "steps", plan },
                }
            },
            { "what-if", WhatIfJob(ci, setup, settings) },
            { "model", new YamlMap
                {
                    { "name", "${{ matrix.model }}" },
                    { "needs", "plan" },
                    { "if", "needs.plan.outputs.models != '[]'" },
                    { "runs-on", "ubuntu-latest" },
                    { "timeout-minutes", 90 },
                    { "strategy", new YamlMap
                        {
                            { "fail-fast", false },
                            { "matrix", new YamlMap { { "model", "${{ fromJSON(needs.plan.outputs.models) }}" } } },
                        }
                    },
                    // One run per model at a time (queued, not cancelled); other models are not held up.
                    { "concurrency", new YamlMap { { "group", "model-${{ matrix.model }}" }, { "cancel-in-progress", false } } },
                    { "steps", model },
                }
            },
            { "fan-in", new YamlMap
                {
                    { "name", string.Join(", ", graph.FanInSteps) },
                    { "needs", new List<string> { "plan", "model" } },
                    { "if", "always() && needs.plan.result == 'success' && (needs.model.result == 'success' || needs.model.result == 'skipped')" },
                    { "runs-on", "ubuntu-latest" },
                    { "timeout-minutes", 60 },
                    { "outputs", outputs },
                    { "steps", fanIn },
                }
            },
            { "pages", PagesJob("fan-in") },
        };

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
            // Pull requests only test, and a newer push cancels their run; pushes are never serialised as a whole (per model, above).
            { "concurrency", new YamlMap
                {
                    { "group", "${{ github.event_name == 'pull_request' && format('models-pr-{0}', github.ref) || format('models-run-{0}', github.run_id) }}" },
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
            "test builds modelpipe once for this commit (artifact " + BuildArtifact + ": later jobs find Compile's stamp current);",
            "on pull requests, what-if prints the Publish run's side effects in its job summary (modelpipe plan);",
            "plan lists the models to publish; a matrix job per model runs " + string.Join(" -> ", graph.ModelJobSteps) + ";",
            "fan-in runs " + string.Join(", ", graph.FanInSteps) + " once on the models' run records (KBs, no model bytes).",
            "Settings: " + settings + "; secrets by the names its *Env settings give.",
        ], workflow);
    }

    public const string BuildArtifact = "modelpipe-build";

    /// <summary>The run records a job uploads (RunRecords: artifacts/ without model bytes).</summary>
    private static string Records() => string.Join('\n', new[] { RunRecords.Folder }.Concat(RunRecords.Excluded.Select(e => "!" + e)));

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
                Upload(BuildArtifact, string.Join('\n', CiContext.BuildPaths), "error"),
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
