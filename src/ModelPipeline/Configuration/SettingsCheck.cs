using System.Collections;
using System.Text.Json;
using ModelPipeline.Errors;
using ModelPipeline.Git;
using ModelPipeline.Models;
using ModelPipeline.Oci;

namespace ModelPipeline.Configuration;

/// <summary>
/// Every rule on pipeline.json that a later step would apply, run at once by <c>modelpipe check</c>
/// (and so by the Check target, which Fetch depends on): a bad setting fails with exit 2 before
/// anything is fetched, trained or published. Each rule calls the step's own check where one exists
/// (<see cref="GitRemote.Check"/>, <see cref="ImageReference"/>), so the two cannot drift apart.
/// Rules on the environment that a laptop legitimately lacks (an unset token variable) are warnings.
/// </summary>
public static class SettingsCheck
{
    /// <summary>The problems of the settings for these models, each naming the setting and the fix.</summary>
    public static IReadOnlyList<string> Problems(PipelineConfig config, IReadOnlyList<ModelDefinition> models, IDictionary environment)
    {
        var problems = new List<string>();
        void Problem(string path, string text) => problems.Add($"pipeline.json: {path}: {text}");

        Remote("$.zoo.url", config.Zoo.Url, Problem);
        for (var i = 0; i < config.Zoo.Mirrors.Count; i++) Remote($"$.zoo.mirrors[{i}].url", config.Zoo.Mirrors[i].Url, Problem);
        Remote("$.gitops.repository", config.GitOps.Repository, Problem);
        if (config.Fleet is { } fleet) Remote("$.fleet.url", fleet.Url, Problem);
        Branch("$.zoo.branch", config.Zoo.Branch, Problem);
        Branch("$.gitops.branch", config.GitOps.Branch, Problem);

        Forge(config.Forge, Problem);
        ModelCar(config, models, Problem);
        Environment(config, environment, problems);
        foreach (var p in ModelPipeline.Notifications.NotificationCheck.Problems(config.Notifications)) problems.Add($"pipeline.json: {p}");
        return problems;
    }

    /// <summary>Token variables the settings name that are not set: the step that needs one would stop there.</summary>
    public static IReadOnlyList<string> Warnings(PipelineConfig config, IDictionary environment)
    {
        var named = new List<(string Path, string? Name, string Step)>
        {
            ("$.zoo.tokenEnv", config.Zoo.TokenEnv, "PushMirrors will stop there"),
            ("$.gitops.tokenEnv", config.GitOps.TokenEnv, "UpdateGitOps will stop there"),
        };
        for (var i = 0; i < config.Zoo.Mirrors.Count; i++)
            named.Add(($"$.zoo.mirrors[{i}].tokenEnv", config.Zoo.Mirrors[i].TokenEnv, $"PushMirrors will skip mirror {config.Zoo.Mirrors[i].Name} with a warning"));
        if (config.Forge.Kind != "local") named.Add(("$.forge.tokenEnv", config.Forge.TokenEnv, "OpenPr will stop there"));
        return named
            .Where(n => !string.IsNullOrEmpty(n.Name) && string.IsNullOrEmpty(environment[n.Name] as string))
            .Select(n => $"pipeline.json: {n.Path} names {n.Name}, which is not set in this environment; {n.Step}. Fix: export {n.Name} where that step runs (CI secrets).")
            .Concat(ModelPipeline.Notifications.NotificationCheck.Warnings(config.Notifications, environment).Select(w => $"pipeline.json: {w}"))
            .ToList();
    }

    /// <summary>Throws (exit 2) with every problem.</summary>
    public static void Require(PipelineConfig config, IReadOnlyList<ModelDefinition> models, IDictionary environment)
    {
        var problems = Problems(config, models, environment);
        if (problems.Count > 0)
            throw new InvalidInputException($"pipeline.json has settings later steps would refuse ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}); nothing was fetched, trained or published:", problems);
    }

    private static void Remote(string path, string url, Action<string, string> problem)
    {
        if (GitRemote.Check(url) is { } why)
            problem(path, $"{why}. Fix: give a plain git URL or path, and put the token in an environment variable named by tokenEnv.");
    }

    private static void Branch(string path, string name, Action<string, string> problem)
    {
        if (GitRefName.BranchProblem(name) is { } why)
            problem(path, $"'{name}' is not a branch name git accepts: it {why}. Fix: use a name such as \"main\" or \"deploy/models\".");
    }

    private static void Forge(ForgeSettings forge, Action<string, string> problem)
    {
        if (forge.ApiUrl is { } api)
        {
            if (!Uri.TryCreate(api, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                problem("$.forge.apiUrl", $"'{Redactor.Redact(api)}' is not an http(s) URL. Fix: e.g. https://api.github.com/ or https://gitlab.example.com/.");
            else if (!string.IsNullOrEmpty(uri.UserInfo))
                problem("$.forge.apiUrl", "the URL embeds credentials. Fix: remove them; the token comes only from the variable named by forge.tokenEnv.");
        }
        if (forge.Kind == "local") return;
        if (forge.Repository is null)
            problem("$.forge.repository", $"required for forge.kind '{forge.Kind}'. Fix: set it to the GitOps repository (GitHub \"owner/name\", GitLab \"group/project\").");
        else if (forge.Kind == "github" && forge.Repository.Split('/').Length != 2)
            problem("$.forge.repository", $"'{forge.Repository}' is not a GitHub \"owner/name\". Fix: set it to the GitOps repository, e.g. \"acme/gitops\".");
        if (forge.TokenEnv is null)
            problem("$.forge.tokenEnv", $"required for forge.kind '{forge.Kind}'. Fix: add \"tokenEnv\": \"<VARIABLE>\" and export that variable.");
    }

    private static void ModelCar(PipelineConfig config, IReadOnlyList<ModelDefinition> models, Action<string, string> problem)
    {
        var settings = config.ModelCar;
        if (settings.Destination == "registry") Reference("$.modelcar.repository", settings.Repository, problem);
        if (EmbeddedBase.IsEmbedded(settings.BaseImage))
        {
            if (string.IsNullOrEmpty(settings.Busybox.Sha256))
                problem("$.modelcar.busybox.sha256", $"the embedded base '{EmbeddedBase.Name}' needs the pinned sha256 of {settings.Busybox.Path}. Fix: set it to the output of 'sha256sum {settings.Busybox.Path}'.");
        }
        else if (settings.BaseImage != "scratch")
        {
            Reference("$.modelcar.baseImage", settings.BaseImage, problem);
        }

        // The tag for each model, with a stand-in training key (the key only adds hex digits).
        var key = new string('0', 64);
        foreach (var name in models.Count > 0 ? models.Select(m => m.Name) : ["model"])
        {
            var tag = settings.TagTemplate.Replace("{model}", name, StringComparison.Ordinal)
                .Replace("{key12}", key[..12], StringComparison.Ordinal).Replace("{key}", key, StringComparison.Ordinal);
            if (!ImageReference.IsValidTag(tag))
                problem("$.modelcar.tagTemplate", $"'{settings.TagTemplate}' gives '{tag}' for model '{name}', not a valid tag. Fix: use letters, digits, '.', '_', '-' (≤ 128) and the placeholders {{model}}, {{key12}}, {{key}}.");
            else if (tag == "latest")
                problem("$.modelcar.tagTemplate", $"'{settings.TagTemplate}' gives 'latest' for model '{name}'; 'latest' is refused (a moving tag cannot pin a deployment). Fix: include {{key12}}, e.g. \"{{model}}-{{key12}}\".");
        }
    }

    /// <summary>Environment variables a step refuses with exit 2 whatever the machine.</summary>
    private static void Environment(PipelineConfig config, IDictionary environment, List<string> problems)
    {
        if (environment["SOURCE_DATE_EPOCH"] is string epoch && epoch.Length > 0 && !(long.TryParse(epoch, out var seconds) && seconds >= 0))
            problems.Add($"SOURCE_DATE_EPOCH='{epoch}' is not a whole number of seconds (PackageModelCar stamps images with it). Fix: unset it or set e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct).");
        // Every destination reads registries with these (a registry base image, a pushed or loaded image).
        if (string.IsNullOrEmpty(environment[config.Registry.UsernameEnv] as string) != string.IsNullOrEmpty(environment[config.Registry.PasswordEnv] as string))
            problems.Add($"pipeline.json: $.registry: only one of {config.Registry.UsernameEnv} and {config.Registry.PasswordEnv} is set. Fix: set both (or neither, to use ~/.docker/config.json or anonymous access).");
    }

    private static void Reference(string path, string text, Action<string, string> problem)
    {
        try
        {
            ImageReference.Parse(text, path);
        }
        catch (InvalidInputException)
        {
            problem(path, $"'{text}' is not an image reference. Fix: use host[:port]/path[:tag][@sha256:<hex>], e.g. 127.0.0.1:5000/busybox:stable.");
        }
    }

    /// <summary>
    /// A newline or other control character in any setting would end up in a git argument, a URL, a
    /// commit header or a YAML file; none may hold one (ConfigLoader applies this on load).
    /// </summary>
    internal static void ControlCharacters(JsonElement element, string path, Action<string, string> problem)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String when element.GetString()!.Any(char.IsControl):
                problem(path, "contains a newline or another control character. Fix: remove it (check for a stray line break or a pasted value).");
                break;
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject()) ControlCharacters(p.Value, $"{path}.{p.Name}", problem);
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray()) ControlCharacters(item, $"{path}[{i++}]", problem);
                break;
        }
    }
}
