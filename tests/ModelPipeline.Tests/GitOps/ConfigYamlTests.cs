using ModelPipeline.GitOps;

namespace ModelPipeline.Tests.GitOps;

public sealed class ConfigYamlTests
{
    [Fact]
    public void A_config_read_and_written_again_is_byte_identical()
    {
        var config = ConfigYaml.Parse(UpdateGitOpsTests.ExpectedIrisTestConfig, "test/iris/config.yaml");

        Assert.Equal(1, config.ModelVersion);
        Assert.Equal(UpdateGitOpsTests.ExpectedIrisTestConfig, ConfigYaml.Serialize(config));
    }

    [Fact]
    public void A_promotion_changes_only_the_environment_line()
    {
        var test = ConfigYaml.Parse(UpdateGitOpsTests.ExpectedIrisTestConfig, "test/iris/config.yaml");

        var prod = ConfigYaml.Serialize(test.ForEnvironment("prod"));

        Assert.Equal(UpdateGitOpsTests.ExpectedIrisTestConfig.Replace("environment: test", "environment: prod", StringComparison.Ordinal), prod);
    }

    [Fact]
    public void Serving_values_that_look_like_numbers_or_booleans_keep_their_type_through_a_round_trip()
    {
        var yaml = ConfigYaml.Serialize(new EnvironmentConfig
        {
            Name = "m",
            Serving = new SortedDictionary<string, object?> { ["version"] = "1", ["flag"] = "true", ["n"] = 3L, ["ratio"] = 0.5, ["list"] = new List<object?> { "a", 2L } },
        });

        Assert.Contains("version: \"1\"", yaml, StringComparison.Ordinal);
        Assert.Contains("flag: \"true\"", yaml, StringComparison.Ordinal);
        Assert.Equal(yaml, ConfigYaml.Serialize(ConfigYaml.Parse(yaml, "x")));
    }

    [Fact]
    public void A_broken_config_yaml_is_reported_with_its_path()
    {
        var ex = Assert.ThrowsAny<ModelPipeline.Errors.PipelineException>(() => ConfigYaml.Parse("name: [unclosed\n", "prod/iris/config.yaml"));

        Assert.Contains("prod/iris/config.yaml is not a valid config.yaml", ex.Message, StringComparison.Ordinal);
    }
}
