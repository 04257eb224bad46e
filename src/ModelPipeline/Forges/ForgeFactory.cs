using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Progress;

namespace ModelPipeline.Forges;

/// <summary>Builds the forge named by <c>forge.kind</c> in pipeline.json; the token comes from <c>forge.tokenEnv</c>.</summary>
public static class ForgeFactory
{
    public static IForge Create(PipelineConfig config, IPipelineReporter reporter)
    {
        var forge = config.Forge;
        return forge.Kind switch
        {
            "local" => new LocalForge(),
            "github" => new GitHub.GitHubForge(forge, Token(forge), reporter),
            "gitlab" => new GitLab.GitLabForge(forge, Token(forge), reporter),
            _ => throw new InvalidInputException($"pipeline.json: forge.kind '{forge.Kind}' is not supported. Fix: use github, gitlab or local."),
        };
    }

    /// <summary>The API token from the environment variable the config names; registered for redaction.</summary>
    internal static string Token(ForgeSettings forge)
    {
        var name = forge.TokenEnv
            ?? throw new InvalidInputException($"pipeline.json: forge.tokenEnv is required for forge.kind '{forge.Kind}'. Fix: add \"tokenEnv\": \"<VARIABLE>\" and export that variable.");
        var token = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(token))
            throw new InvalidInputException($"pipeline.json: forge.tokenEnv names the environment variable {name}, which is not set. Fix: export {name}=<a {forge.Kind} token that may open pull requests on {forge.Repository}>.");
        Redactor.Register(token);
        return token;
    }
}
