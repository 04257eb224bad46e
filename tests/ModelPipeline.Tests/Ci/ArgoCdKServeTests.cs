using System.Text.Json.Nodes;
using CliWrap;
using CliWrap.Buffered;
using ModelPipeline.GitOps;
using ModelPipeline.Models;
using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Ci;

/// <summary>
/// pipelines/argocd against the tools that consume it: Argo CD's ApplicationSet CRD schema (strict),
/// helm lint --strict and helm template with the config.yaml UpdateGitOps writes, KServe's CRD schema.
/// </summary>
public sealed class ArgoCdKServeTests
{
    private static readonly string ArgoCd = Path.Combine(TestWorld.RepoRoot(), "pipelines", "argocd");
    private static readonly Lazy<Json.Schema.JsonSchema> AppSetSchema = new(() =>
        CrdSchema.Load("argocd-applicationset-crd.yaml", "v1alpha1"));
    private static readonly Lazy<Json.Schema.JsonSchema> InferenceServiceSchema = new(() =>
        CrdSchema.Load("kserve-inferenceservices-crd.yaml", "v1beta1"));

    private static JsonNode AppSet(string environment) =>
        YamlJson.Documents(File.ReadAllText(Path.Combine(ArgoCd, $"applicationset-{environment}.yaml"))).Single()!;

    [Theory]
    [InlineData("test")]
    [InlineData("prod")]
    public void The_application_sets_validate_strictly_against_argo_cds_schema_with_automated_sync(string environment)
    {
        var appSet = AppSet(environment);

        var errors = CrdSchema.Errors(AppSetSchema.Value, appSet);

        Assert.True(errors.Count == 0, string.Join('\n', errors));
        var sync = appSet["spec"]!["template"]!["spec"]!["syncPolicy"]!;
        Assert.True(sync["automated"]!["prune"]!.GetValue<bool>());
        Assert.True(sync["automated"]!["selfHeal"]!.GetValue<bool>());
        Assert.Contains("CreateNamespace=true", sync["syncOptions"]!.AsArray().Select(o => (string?)o));
    }

    [Fact]
    public void Sync_policy_in_the_wrong_place_is_rejected_so_the_check_can_fail()
    {
        var appSet = AppSet("test").DeepClone();
        appSet["spec"]!["template"]!["syncPolicy"] = appSet["spec"]!["template"]!["spec"]!["syncPolicy"]!.DeepClone();

        Assert.Contains(CrdSchema.Errors(AppSetSchema.Value, appSet), e => e.Contains("syncPolicy", StringComparison.Ordinal));
    }

    [CiToolFact("helm")]
    public async Task The_chart_passes_helm_lint_strict_without_values()
    {
        var result = await Helm("lint", "--strict", Path.Combine(ArgoCd, "chart"));

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains("0 chart(s) failed", result.StandardOutput, StringComparison.Ordinal);
    }

    [CiToolFact("helm")]
    public async Task The_chart_renders_a_valid_inference_service_from_the_config_yaml_update_gitops_writes_for_any_model_name()
    {
        using var world = new TestWorld();
        var iris = ModelLoader.Load(Path.Combine(TestWorld.RepoRoot(), "models", "iris"), TestWorld.RepoRoot());
        foreach (var name in new[] { "iris", "yes", "on", "null", "1e3" })
        {
            var published = new PublishedModel
            {
                Model = name, TrainingKey = new string('1', 64), Version = 3, Repository = "registry.example.test/modelzoo",
                Digest = PublishedModels.Digest(3), Reference = "registry.example.test/modelzoo@" + PublishedModels.Digest(3),
                StorageUri = "oci://registry.example.test/modelzoo@" + PublishedModels.Digest(3),
            };
            var config = Path.Combine(world.Root, $"{name}.yaml");
            File.WriteAllText(config, ConfigYaml.Serialize(TestDeployment.For(iris with { Name = name }, published, "test")));

            var result = await Helm("template", name, Path.Combine(ArgoCd, "chart"), "-f", config);

            Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
            var service = YamlJson.Documents(result.StandardOutput).Single(d => d is not null)!;
            var errors = CrdSchema.Errors(InferenceServiceSchema.Value, service);
            Assert.True(errors.Count == 0, $"{name}: {string.Join('\n', errors)}");
            Assert.Equal(name, (string?)service["metadata"]!["name"]);
            Assert.Equal(name, (string?)service["metadata"]!["labels"]!["app.kubernetes.io/name"]);
            Assert.Equal(published.StorageUri, (string?)service["spec"]!["predictor"]!["model"]!["storageUri"]);
        }
    }

    [CiToolFact("helm")]
    public async Task A_model_that_only_raises_min_replicas_renders_max_replicas_equal_to_it()
    {
        using var world = new TestWorld();
        var iris = ModelLoader.Load(Path.Combine(TestWorld.RepoRoot(), "models", "iris"), TestWorld.RepoRoot());
        var values = new Dictionary<string, System.Text.Json.JsonElement> { ["minReplicas"] = System.Text.Json.JsonDocument.Parse("3").RootElement };
        var published = new PublishedModel
        {
            Model = "iris", TrainingKey = new string('1', 64), Version = 3, Repository = "registry.example.test/modelzoo",
            Digest = PublishedModels.Digest(3), Reference = "registry.example.test/modelzoo@" + PublishedModels.Digest(3),
            StorageUri = "oci://registry.example.test/modelzoo@" + PublishedModels.Digest(3),
        };
        var config = Path.Combine(world.Root, "config.yaml");
        File.WriteAllText(config, ConfigYaml.Serialize(TestDeployment.For(iris with { Serving = iris.Serving with { Values = values } }, published, "test")));

        var result = await Helm("template", "iris", Path.Combine(ArgoCd, "chart"), "-f", config);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        var predictor = YamlJson.Documents(result.StandardOutput).Single(d => d is not null)!["spec"]!["predictor"]!;
        Assert.Equal((3L, 3L), ((long)predictor["minReplicas"]!, (long)predictor["maxReplicas"]!));
    }

    [CiToolFact("helm")]
    public async Task A_config_yaml_without_a_storage_uri_fails_to_render_naming_the_key()
    {
        using var world = new TestWorld();
        var config = Path.Combine(world.Root, "config.yaml");
        File.WriteAllText(config, "name: iris\nenvironment: test\nruntime: onnx\n");

        var result = await Helm("template", "iris", Path.Combine(ArgoCd, "chart"), "-f", config);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("storage_uri is required (config.yaml)", result.StandardError, StringComparison.Ordinal);
    }

    private static Task<BufferedCommandResult> Helm(params string[] args) =>
        CliWrap.Cli.Wrap(CiTools.Find("helm")!).WithArguments(args)
            .WithEnvironmentVariables(e => e.Set("HELM_CACHE_HOME", Path.Combine(Path.GetTempPath(), "mp-helm")).Set("HELM_CONFIG_HOME", Path.Combine(Path.GetTempPath(), "mp-helm")).Set("HELM_DATA_HOME", Path.Combine(Path.GetTempPath(), "mp-helm")))
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
}
