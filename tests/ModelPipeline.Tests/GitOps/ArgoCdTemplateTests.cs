using System.Text.RegularExpressions;
using ModelPipeline.GitOps;
using ModelPipeline.Models;
using ModelPipeline.Tests.Support;
using YamlDotNet.Serialization;

namespace ModelPipeline.Tests.GitOps;

/// <summary>
/// The shipped Argo CD ApplicationSets and Helm chart (pipelines/argocd/) only use keys that
/// UpdateGitOps writes into config.yaml, so <c>missingkey=error</c> and the chart's values never
/// meet a key that is not there.
/// </summary>
public sealed partial class ArgoCdTemplateTests
{
    private static readonly string ArgoCd = Path.Combine(TestWorld.RepoRoot(), "pipelines", "argocd");

    private static Dictionary<object, object> WrittenConfig()
    {
        var iris = ModelLoader.Load(Path.Combine(TestWorld.RepoRoot(), "models", "iris"), TestWorld.RepoRoot());
        var published = new PublishedModel
        {
            Model = "iris", TrainingKey = new string('1', 64), Version = 3, Repository = "registry.example.test/models/iris",
            Digest = PublishedModels.Digest(3), Reference = "registry.example.test/models/iris@" + PublishedModels.Digest(3),
            StorageUri = "oci://registry.example.test/models/iris@" + PublishedModels.Digest(3),
        };
        var yaml = ConfigYaml.Serialize(TestDeployment.For(iris, published, "test"));
        return new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(yaml);
    }

    private static bool Resolves(Dictionary<object, object> config, string path)
    {
        object? node = config;
        foreach (var part in path.Split('.'))
        {
            if (node is not Dictionary<object, object> map || !map.TryGetValue(part, out node)) return false;
        }
        return true;
    }

    [Fact]
    public void Every_value_the_chart_templates_use_is_written_by_update_gitops()
    {
        var config = WrittenConfig();
        var used = Directory.EnumerateFiles(Path.Combine(ArgoCd, "chart", "templates"))
            .SelectMany(f => ValuesReference().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.Contains("storage_uri", used);
        Assert.Contains("serving.resources.cpu", used);
        Assert.DoesNotContain(used, path => !Resolves(config, path));
        Assert.False(Resolves(config, "serving.not_written"));
    }

    [Theory]
    [InlineData("test")]
    [InlineData("prod")]
    public void Every_key_an_application_set_uses_is_written_by_update_gitops(string environment)
    {
        var config = WrittenConfig();
        var text = File.ReadAllText(Path.Combine(ArgoCd, $"applicationset-{environment}.yaml"));
        var used = TemplateReference().Matches(text).Select(m => m.Groups[1].Value)
            .Where(p => !p.StartsWith("path.", StringComparison.Ordinal)) // provided by the git files generator itself
            .Distinct().ToList();

        Assert.Contains("name", used);
        Assert.Contains("chart_path", used);
        Assert.DoesNotContain(used, path => !Resolves(config, path));
    }

    [Theory]
    [InlineData("test")]
    [InlineData("prod")]
    public void The_application_sets_use_go_templates_with_missingkey_error_over_the_files_update_gitops_writes(string environment)
    {
        var doc = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(File.ReadAllText(Path.Combine(ArgoCd, $"applicationset-{environment}.yaml")));
        var spec = (Dictionary<object, object>)doc["spec"];
        var git = (Dictionary<object, object>)((Dictionary<object, object>)((List<object>)spec["generators"])[0])["git"];
        var pattern = (string)((Dictionary<object, object>)((List<object>)git["files"])[0])["path"];

        Assert.Equal("ApplicationSet", doc["kind"]);
        Assert.Equal("true", spec["goTemplate"]);
        Assert.Equal(["missingkey=error"], ((List<object>)spec["goTemplateOptions"]).Cast<string>());
        Assert.Equal($"{environment}/*/config.yaml", pattern);
        Assert.Matches("^" + Regex.Escape(pattern).Replace(@"\*", "[^/]+", StringComparison.Ordinal) + "$", EnvironmentConfig.PathFor(environment, "iris"));
    }

    [Fact]
    public void The_example_model_serves_through_the_shipped_chart()
    {
        var iris = ModelLoader.Load(Path.Combine(TestWorld.RepoRoot(), "models", "iris"), TestWorld.RepoRoot());

        Assert.Equal("pipelines/argocd/chart", iris.Serving.ChartPath);
        Assert.True(File.Exists(Path.Combine(TestWorld.RepoRoot(), iris.Serving.ChartPath!, "Chart.yaml")));
        Assert.Contains("kind: InferenceService", File.ReadAllText(Path.Combine(ArgoCd, "chart", "templates", "inferenceservice.yaml")), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\.Values\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")]
    private static partial Regex ValuesReference();

    [GeneratedRegex(@"\{\{-?\s*\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")]
    private static partial Regex TemplateReference();
}
