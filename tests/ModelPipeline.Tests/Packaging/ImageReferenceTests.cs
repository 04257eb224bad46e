using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Oci;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Packaging;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("127.0.0.1:5000/busybox:stable", "127.0.0.1:5000", "busybox", "stable", null)]
    [InlineData("registry.example.com/ml/modelzoo", "registry.example.com", "ml/modelzoo", null, null)]
    [InlineData("localhost/a/b@sha256:89df9ae044eb57f54ff9eefa6606438e727a4bec1e5ca45385d03b72ad5d5bcd", "localhost", "a/b", null, "sha256:89df9ae044eb57f54ff9eefa6606438e727a4bec1e5ca45385d03b72ad5d5bcd")]
    public void References_split_into_registry_repository_tag_and_digest(string text, string registry, string repository, string? tag, string? digest)
    {
        var reference = ImageReference.Parse(text, "test");

        Assert.Equal((registry, repository, tag, digest), (reference.Registry, reference.Repository, reference.Tag, reference.Digest));
        Assert.Equal(text, reference.ToString());
    }

    [Theory]
    [InlineData("busybox:stable")]
    [InlineData("Registry.example.com/UPPER")]
    [InlineData("host/repo@sha256:short")]
    public void A_reference_without_a_host_or_with_bad_parts_is_invalid_input_that_names_the_setting(string text)
    {
        var ex = Assert.Throws<InvalidInputException>(() => ImageReference.Parse(text, "pipeline.json: $.modelcar.baseImage"));

        Assert.Contains("$.modelcar.baseImage", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Fix:", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:5000", true)]
    [InlineData("127.0.0.5", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("registry.example.com", false)]
    public void Plain_http_is_only_assumed_for_loopback_registries(string registry, bool loopback) =>
        Assert.Equal(loopback, ImageReference.Parse($"{registry}/x", "test").IsLoopback);

    [Fact]
    public void Docker_config_auths_match_the_registry_host_with_or_without_scheme_and_path_and_only_that_host()
    {
        using var world = new TestWorld();
        var dir = Path.Combine(world.Root, ".docker");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), """
            { "auths": {
                "https://other.example.com/v1/": { "auth": "b3RoZXI6b3RoZXItcGFzcw==" },
                "https://reg.example.com:5000/v2/": { "auth": "dXNlcjpwYXNzOndpdGg6Y29sb25z" } } }
            """);
        var env = new Dictionary<string, string> { ["DOCKER_CONFIG"] = dir };

        var found = RegistryCredentials.Find("reg.example.com:5000", new RegistrySettings(), env);

        Assert.Equal(("user", "pass:with:colons"), (found?.Username, found?.Password));
        Assert.Null(RegistryCredentials.Find("third.example.com", new RegistrySettings(), env));
        Assert.DoesNotContain("pass:with:colons", found!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_one_of_the_credential_variables_set_is_invalid_input()
    {
        var env = new Dictionary<string, string> { ["MODELPIPE_REGISTRY_USERNAME"] = "u" };

        var ex = Assert.Throws<InvalidInputException>(() => RegistryCredentials.Find("reg.example.com", new RegistrySettings(), env));

        Assert.Contains("MODELPIPE_REGISTRY_PASSWORD", ex.Message, StringComparison.Ordinal);
    }
}
