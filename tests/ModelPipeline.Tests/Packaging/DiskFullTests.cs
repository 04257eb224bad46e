using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Packaging;

/// <summary>A test that mounts a small tmpfs (needs root and mount); skipped with the reason otherwise.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !Tools.Has("mount"))
            Skip = "mounting a tmpfs needs Linux and root";
    }
}

/// <summary>Disk full during PackageModelCar: a clear message, exit 1, nothing half-written in the image store.</summary>
public sealed class DiskFullTests
{
    [TmpfsFact]
    public async Task A_full_disk_while_packaging_is_a_clear_failure_and_leaves_no_partial_image()
    {
        using var world = new TestWorld();
        var store = Path.Combine(world.Root, "small-disk");
        Directory.CreateDirectory(store);
        var mounted = Tools.Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", store);
        Assert.True(mounted.ExitCode == 0, mounted.Output);
        try
        {
            ValidatedModel.Configure(world, new { destination = "oci-layout", repository = "localhost/modelzoo", layoutDir = "small-disk/oci" });
            var key = ValidatedModel.Seed(world, "demo", new Dictionary<string, byte[]> { ["model.onnx"] = ValidatedModel.RandomBytes(3 << 20, 7) });

            var run = await Modelpipe.RunAsync(world.Root, ["package"], ValidatedModel.Env(world));

            Assert.Equal(1, run.ExitCode);
            Assert.Contains("model 'demo': the disk is full (", run.All, StringComparison.Ordinal);
            Assert.Contains("nothing was published. Fix: free space on that disk", run.All, StringComparison.Ordinal);
            Assert.DoesNotContain("unexpected error", run.All, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", run.All, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(world.ArtifactsDir, "demo", "runs", key, "package.json")));
            Assert.False(File.Exists(Path.Combine(store, "oci", "index.json")));
            var left = Directory.EnumerateFiles(store, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(store, f)).ToList();
            Assert.All(left, f => Assert.DoesNotContain(".tmp", f, StringComparison.Ordinal));
        }
        finally
        {
            Tools.Run("umount", "-l", store);
        }
    }
}
