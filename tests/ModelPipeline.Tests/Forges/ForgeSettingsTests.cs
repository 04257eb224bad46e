using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Forges;

public sealed class ForgeSettingsTests
{
    [Fact]
    public async Task A_github_forge_without_a_repository_is_invalid_input_naming_the_field_and_nothing_is_written()
    {
        using var world = new TestWorld();
        world.CopyModel("iris");
        world.SetSection("forge", """{ "kind": "github", "tokenEnv": "MP_TEST_GH_TOKEN" }""");
        var before = world.Files();

        var run = await Modelpipe.RunAsync(world.Root, "pr", "--model", "iris");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("pipeline.json: forge.repository is required for forge.kind 'github'. Fix:", run.All, StringComparison.Ordinal);
        Assert.Equal(before, world.Files());
    }

    [Fact]
    public async Task An_unknown_forge_kind_is_invalid_input_listing_the_kinds()
    {
        using var world = new TestWorld();
        world.CopyModel("iris");
        world.SetSection("forge", """{ "kind": "bitbucket" }""");

        var run = await Modelpipe.RunAsync(world.Root, "pr", "--model", "iris");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("'github', 'gitlab', 'local'", run.All, StringComparison.Ordinal);
    }
}
