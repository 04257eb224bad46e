namespace ModelPipeline.Configuration;

/// <summary>
/// Environment variables that CI systems and common services use for credentials. Their values are
/// registered with the redactor in every verb (whether or not pipeline.json names them), and
/// trainers never receive them from the pipeline's environment.
/// </summary>
public static class WellKnownSecrets
{
    /// <summary>
    /// Credentials a CI system injects into the job (GitHub Actions, GitLab CI, Azure Pipelines,
    /// Bitbucket, CircleCI, Buildkite). They belong to the pipeline, not to a model: model.json may not
    /// pass them to its trainer through <c>training.env</c>.
    /// </summary>
    public static readonly IReadOnlyList<string> CiCredentials =
    [
        "GITHUB_TOKEN", "GH_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN",
        "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_RUNNER_TOKEN",
        "GITLAB_TOKEN", "GITLAB_PRIVATE_TOKEN", "CI_JOB_TOKEN", "CI_BUILD_TOKEN", "CI_JOB_JWT", "CI_JOB_JWT_V1", "CI_JOB_JWT_V2",
        "CI_REGISTRY_PASSWORD", "CI_DEPENDENCY_PROXY_PASSWORD", "CI_DEPLOY_PASSWORD", "CI_REPOSITORY_URL",
        "SYSTEM_ACCESSTOKEN", "BITBUCKET_STEP_OIDC_TOKEN", "CIRCLE_OIDC_TOKEN", "CIRCLE_OIDC_TOKEN_V2",
        "BUILDKITE_AGENT_ACCESS_TOKEN",
    ];

    /// <summary>
    /// Credentials of common services (package registries, clouds, ML platforms). A model may pass
    /// one to its trainer by naming it in <c>training.env</c>; its value is still redacted.
    /// </summary>
    public static readonly IReadOnlyList<string> ServiceCredentials =
    [
        "NPM_TOKEN", "NODE_AUTH_TOKEN", "NUGET_API_KEY", "PYPI_TOKEN", "TWINE_PASSWORD", "CODECOV_TOKEN",
        "DOCKER_PASSWORD", "DOCKER_AUTH_CONFIG", "REGISTRY_PASSWORD",
        "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET", "GOOGLE_OAUTH_ACCESS_TOKEN",
        "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "WANDB_API_KEY", "KAGGLE_KEY", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN",
        "RUNPOD_API_KEY",
    ];

    public static IEnumerable<string> All => CiCredentials.Concat(ServiceCredentials);
}
