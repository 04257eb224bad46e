namespace ModelPipeline.Ci;

public static partial class GitLabPipelines
{
    /// <summary>The GitOps project's pipeline: when main changes, the zoo's aliases follow what it deploys.</summary>
    public static string GitOps(CiContext ci)
    {
        var url = ci.GitLabModelsUrl;
        var job = new YamlMap
        {
            { "rules", new[]
                {
                    new YamlMap { { "if", OnDefaultBranch }, { "changes", new List<string> { "test/**/config.yaml", "prod/**/config.yaml" } } },
                    new YamlMap { { "if", "$CI_PIPELINE_SOURCE == \"web\"" } },
                }
            },
            { "resource_group", "sync-aliases" },
            { "variables", new YamlMap { { "MODELS_REPOSITORY", url } } },
            { "script", new List<string>
                {
                    // The job token travels in git's environment (GIT_CONFIG_*), never in argv or a URL.
                    "export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=\"http.$MODELS_REPOSITORY.extraHeader\"",
                    "export GIT_CONFIG_VALUE_0=\"Authorization: Basic $(printf 'gitlab-ci-token:%s' \"$CI_JOB_TOKEN\" | base64 -w0)\"",
                    "git clone --quiet --depth 1 \"$MODELS_REPOSITORY\" models",
                    "unset GIT_CONFIG_COUNT GIT_CONFIG_KEY_0 GIT_CONFIG_VALUE_0",
                    "cd models",
                }.Concat(Build(ci.Graph, TargetGraph.SyncAliasesTarget)).ToList()
            },
        };
        var pipeline = new YamlMap
        {
            { "default", new YamlMap { { "image", Image() } } },
            { "variables", Variables(CiContext.GitLabSettings, null) },
            { "sync-aliases", job },
        };
        return CiYaml.Write(
        [
            "The GitOps project's .gitlab-ci.yml: when main changes (a merged promotion merge request, an UpdateGitOps",
            $"commit), the zoo's test and prod aliases follow what it deploys. It clones the models repository ({url},",
            "from modelcar.sourceUrl of " + CiContext.GitLabSettings + ") and runs its SyncAliases target.",
            Generated,
            SecretsLine(ci),
        ], pipeline);
    }
}
