using System.Security.Cryptography;
using ModelPipeline.Tests.SameEverywhere;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Packaging;

/// <summary>
/// The image store lost vN's image, but the workspace still has vN's trained files: Publish rebuilds the image
/// (digests are reproducible) and writes it back only when the rebuilt digest is the one the zoo records.
/// Real git, a real OCI layout read by skopeo, and Debian's docker-registry with skopeo deleting the manifest.
/// </summary>
public sealed class LostImageTests
{
    private static readonly Dictionary<string, string?> Env = new() { ["SOURCE_DATE_EPOCH"] = null };

    [RegistryFact]
    public async Task A_lost_image_in_the_oci_layout_is_rebuilt_from_the_trained_files_and_restored_with_the_same_digest()
    {
        using var world = new TestWorld();
        var (workspace, zoo) = await PublishedAsync(world, Layout());
        var digest = Clones.Run(workspace, "package").GetProperty("digest").GetString()!;
        var zooCommits = await BareRepo.CommitCountAsync(zoo);
        Directory.Delete(Path.Combine(workspace, ".pipeline", "oci"), recursive: true); // the store lost everything

        var output = await Clones.RunAsync(workspace, Env, Clones.Publish);

        Assert.Contains($"restored v1's image localhost/modelzoo@{digest}: rebuilt from the trained files", output,
            StringComparison.Ordinal);
        Assert.Equal(digest, Clones.Run(workspace, "package").GetProperty("digest").GetString());
        var tag = Clones.Run(workspace, "package").GetProperty("tag").GetString()!;
        var inspect = await Tools.RunOkAsync("skopeo", "inspect", $"oci:{Path.Combine(workspace, ".pipeline", "oci")}:{tag}");
        Assert.Equal(digest, System.Text.Json.JsonDocument.Parse(inspect).RootElement.GetProperty("Digest").GetString());
        Assert.Equal(zooCommits, await BareRepo.CommitCountAsync(zoo));
        var verify = await Modelpipe.RunAsync(workspace, ["models", "verify"], Env);
        Assert.True(verify.ExitCode == 0, verify.All);
    }

    [RegistryFact]
    public async Task A_lost_image_in_the_registry_is_rebuilt_and_pushed_again_with_the_same_digest()
    {
        using var world = new TestWorld();
        await using var registry = await LocalRegistry.StartAsync();
        var baseImage = await BusyboxBase.PushAsync(registry);
        var repository = $"{registry.Host}/modelzoo";
        var (workspace, zoo) = await PublishedAsync(world, new { destination = "registry", repository, baseImage });
        var digest = Clones.Run(workspace, "package").GetProperty("digest").GetString()!;
        var zooCommits = await BareRepo.CommitCountAsync(zoo);
        await Tools.RunOkAsync("skopeo", "delete", "--tls-verify=false", $"docker://{repository}@{digest}");
        Assert.NotEqual(0, Tools.Run("skopeo", "inspect", "--raw", "--tls-verify=false", $"docker://{repository}@{digest}").ExitCode);

        var output = await Clones.RunAsync(workspace, Env, Clones.Publish);

        Assert.Contains($"restored v1's image {repository}@{digest}: rebuilt from the trained files", output, StringComparison.Ordinal);
        var inspect = await Tools.RunOkAsync("skopeo", "inspect", "--tls-verify=false", $"docker://{repository}@{digest}");
        Assert.Equal(digest, System.Text.Json.JsonDocument.Parse(inspect).RootElement.GetProperty("Digest").GetString());
        Assert.Equal(zooCommits, await BareRepo.CommitCountAsync(zoo));
    }

    [RegistryFact]
    public async Task Trained_files_that_rebuild_to_another_digest_write_nothing_and_fail_naming_both_digests()
    {
        using var world = new TestWorld();
        var (workspace, zoo) = await PublishedAsync(world, Layout());
        var digest = Clones.Run(workspace, "package").GetProperty("digest").GetString()!;
        var key = Clones.Run(workspace, "package").GetProperty("trainingKey").GetString()!;
        var zooCommits = await BareRepo.CommitCountAsync(zoo);
        var layout = Path.Combine(workspace, ".pipeline", "oci");
        Directory.Delete(layout, recursive: true);
        var weights = Path.Combine(workspace, "artifacts", "demo", "runs", key, "output", "model.onnx");
        await File.WriteAllTextAsync(weights, "weights v2"); // same size, other bytes
        await Clones.RunAsync(workspace, Env, "fetch", "train", "validate");

        var package = await Modelpipe.RunAsync(workspace, ["package"], Env);

        Assert.True(package.ExitCode == 1, package.All);
        Assert.Contains($"model 'demo': v1's image {digest} is missing from the OCI layout", package.All, StringComparison.Ordinal);
        Assert.Matches($@"rebuild to sha256:[0-9a-f]{{64}}, not to v1's recorded {digest}\. Nothing was written", package.All);
        Assert.Contains("Fix: restore the image (e.g. skopeo copy it from a backup or mirror to localhost/modelzoo@", package.All,
            StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected error", package.All, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(layout, "index.json")));
        Assert.Equal(zooCommits, await BareRepo.CommitCountAsync(zoo));
    }

    /// <summary>A models repository whose demo trains the same bytes every time, published once from a clone.</summary>
    private static async Task<(string Workspace, string Zoo)> PublishedAsync(TestWorld world, object modelcar)
    {
        var clones = new Clones(world);
        var zoo = await BareRepo.CreateAsync(clones.Shared("zoo.git"));
        await clones.CreateSourceAsync(new { zoo = new { url = zoo, mirrors = Array.Empty<object>() }, modelcar },
            Clones.DeterministicTrainer);
        var workspace = await clones.CloneAsync("runner");
        await Clones.RunAsync(workspace, Env, Clones.Publish);
        return (workspace, zoo);
    }

    /// <summary>The workspace's OCI layout, on the embedded busybox base (a shell, so test may pin it).</summary>
    private static object Layout()
    {
        var busybox = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes("/bin/busybox")));
        return new
        {
            destination = "oci-layout", repository = "localhost/modelzoo",
            baseImage = "busybox-static", busybox = new { path = "/bin/busybox", sha256 = busybox },
        };
    }
}
