namespace ModelPipeline.Ci;

public static partial class GitHubWorkflows
{
    /// <summary>A manual workflow: the promotion pull request for a chosen tested version.</summary>
    public static string Promote(CiContext ci)
    {
        var settings = CiContext.GitHubSettings;
        var target = TargetGraph.PromoteTarget;
        var env = Secrets(ci.GitHubSecrets) ?? new YamlMap();
        // Inputs reach the command only through the environment, never spliced into the script.
        env.Add("MODEL", "${{ inputs.model }}");
        env.Add("VERSION", "${{ inputs.version }}");
        var steps = new List<YamlMap>(Prepare());
        steps.AddRange(Build(ci.Graph, target, settings, " --model \"$MODEL\" --version \"$VERSION\"", env));
        steps.Add(Outputs(settings));
        var workflow = new YamlMap
        {
            { "name", "promote" },
            { "on", new YamlMap
                {
                    { "workflow_dispatch", new YamlMap
                        {
                            { "inputs", new YamlMap
                                {
                                    { "model", new YamlMap { { "description", "Model name (models/<name>)" }, { "required", true }, { "type", "string" } } },
                                    { "version", new YamlMap { { "description", "Zoo version to promote (N of vN), already deployed to test" }, { "required", true }, { "type", "number" } } },
                                }
                            },
                        }
                    },
                }
            },
            { "permissions", new YamlMap { { "contents", "read" } } },
            // One promotion of a model at a time; other models are not held up.
            { "concurrency", new YamlMap { { "group", "promote-${{ inputs.model }}" }, { "cancel-in-progress", false } } },
            { "env", WorkflowEnv(runId: true) },
            { "jobs", new YamlMap
                {
                    { CiContext.JobName(target), new YamlMap
                        {
                            { "name", target },
                            { "runs-on", "ubuntu-latest" },
                            { "timeout-minutes", 30 },
                            { "outputs", new YamlMap { { "pr-url", "${{ steps.outputs.outputs.pr-url }}" } } },
                            { "steps", steps },
                        }
                    },
                }
            },
        };
        return CiYaml.Write(
        [
            "Copy to .github/workflows/ of the models repository.",
            Generated,
            $"Run it by hand (Actions > promote > Run workflow): ./build.sh {target} --model MODEL --version N opens the",
            "pull request that sets prod/<model>/config.yaml to the digest that version ran with in test.",
        ], workflow);
    }

    /// <summary>For the GitOps repository: the zoo's aliases follow what its main branch deploys.</summary>
    public static string SyncAliases(CiContext ci)
    {
        var settings = CiContext.GitHubSettings;
        var target = TargetGraph.SyncAliasesTarget;
        var steps = new List<YamlMap>(Prepare(ci.GitHubModelsRepository));
        steps.AddRange(Build(ci.Graph, target, settings, env: Secrets(ci.GitHubSecrets)));
        var workflow = new YamlMap
        {
            { "name", "sync-aliases" },
            { "on", new YamlMap
                {
                    { "push", new YamlMap { { "branches", Main }, { "paths", GitOpsPaths } } },
                    { "workflow_dispatch", new YamlMap() },
                }
            },
            { "permissions", new YamlMap { { "contents", "read" } } },
            { "concurrency", new YamlMap { { "group", "sync-aliases" }, { "cancel-in-progress", false } } },
            { "env", WorkflowEnv(runId: false) },
            { "jobs", new YamlMap
                {
                    { "sync-aliases", new YamlMap
                        {
                            { "name", target },
                            { "runs-on", "ubuntu-latest" },
                            { "timeout-minutes", 30 },
                            { "steps", steps },
                        }
                    },
                }
            },
        };
        return CiYaml.Write(
        [
            $"Copy to .github/workflows/ of the GitOps repository. It checks out the models repository ({ci.GitHubModelsRepository},",
            "from modelcar.sourceUrl of " + settings + ") and runs its SyncAliases target, so the zoo's test and prod",
            "aliases follow what main deploys (a merged promotion pull request, an UpdateGitOps commit).",
            Generated,
        ], workflow);
    }
}
