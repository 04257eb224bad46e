using ModelPipeline.Zoo;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Zoo;

/// <summary>
/// An empty folder in a zoo clone is what a stopped run left (git holds no empty folders, and the sync of a clean
/// clone at the tip does not walk the tree to remove it): it is neither a model nor a version.
/// </summary>
public sealed class ZooLayoutEmptyFolderTests
{
    [Fact]
    public void Empty_model_and_version_folders_left_by_a_stopped_run_are_not_models_or_versions()
    {
        using var world = new TestWorld();
        var root = Path.Combine(world.Root, "zoo");
        Directory.CreateDirectory(Path.Combine(root, "models", "ghost"));
        Directory.CreateDirectory(Path.Combine(root, "models", "real", "v1"));
        File.WriteAllText(Path.Combine(root, "models", "real", "v1", "model.json"), "{}");
        Directory.CreateDirectory(Path.Combine(root, "models", "real", "v2"));

        Assert.Equal(["real"], ZooLayout.Models(root));
        Assert.Equal([1], ZooLayout.Versions(root, "real"));
        Assert.Empty(ZooLayout.Versions(root, "ghost"));
    }
}
