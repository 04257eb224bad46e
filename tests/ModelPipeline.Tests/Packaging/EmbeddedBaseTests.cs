using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelPipeline.Oci;
using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Packaging;

/// <summary>A test that needs Debian's busybox-static (/bin/busybox); skipped with the reason otherwise.</summary>
public sealed class BusyboxFactAttribute : FactAttribute
{
    public BusyboxFactAttribute()
    {
        if (!File.Exists("/bin/busybox")) Skip = "busybox-static is not installed (run build/scripts/test-deps.sh as root)";
    }
}

/// <summary>The embedded base <c>busybox-static</c>: reproducible, pinned, and a shell-less image is never deployed.</summary>
public sealed class EmbeddedBaseTests
{
    private static string BusyboxSha() => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes("/bin/busybox")));

    [BusyboxFact]
    public async Task The_embedded_base_gives_the_same_base_layer_and_image_digest_in_two_workspaces_with_sh_ln_and_sleep()
    {
        var digests = new List<(string Image, string Base)>();
        foreach (var _ in new[] { 1, 2 })
        {
            using var world = new TestWorld();
            ValidatedModel.Configure(world, new { baseImage = "busybox-static", busybox = new { path = "/bin/busybox", sha256 = BusyboxSha() } });
            var key = ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());
            var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));
            Assert.True(run.ExitCode == 0, run.All);
            var record = ValidatedModel.ReadRecord(world, "demo", key);
            Assert.Empty(record.Warnings);

            var layout = new OciLayout(Path.Combine(world.Root, ".pipeline/oci"));
            var manifest = JsonNode.Parse(File.ReadAllBytes(layout.BlobPath(record.Digest)))!;
            var baseLayer = manifest["layers"]![0]!["digest"]!.GetValue<string>();
            digests.Add((record.Digest, baseLayer));

            var entries = new List<TarEntry>();
            using (var reader = new TarReader(File.OpenRead(layout.BlobPath(baseLayer))))
                while (reader.GetNextEntry(copyData: true) is { } entry) entries.Add(entry);
            Assert.Equal(["bin/", "bin/busybox", "bin/cat", "bin/find", "bin/ln", "bin/ls", "bin/sh", "bin/sha256sum", "bin/sleep", "mnt/", "tmp/"], entries.Select(e => e.Name));
            Assert.All(entries, e => Assert.Equal((0, 0, DateTimeOffset.UnixEpoch), (e.Uid, e.Gid, e.ModificationTime)));
            Assert.All(entries.Where(e => e.EntryType == TarEntryType.SymbolicLink), e => Assert.Equal("busybox", e.LinkName));
            Assert.Equal(BusyboxSha(), Convert.ToHexStringLower(SHA256.HashData(ReadAll(entries.Single(e => e.Name == "bin/busybox")))));
        }
        Assert.Equal(digests[0], digests[1]);
    }

    [BusyboxFact]
    public async Task A_busybox_that_differs_from_the_pin_fails_with_both_digests_and_writes_nothing()
    {
        using var world = new TestWorld();
        var pin = new string('a', 64);
        ValidatedModel.Configure(world, new { baseImage = "busybox-static", busybox = new { path = "/bin/busybox", sha256 = pin } });
        var key = ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());
        var before = world.Files();

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"/bin/busybox has sha256 {BusyboxSha()}, but $.modelcar.busybox.sha256 pins {pin}", run.All, StringComparison.Ordinal);
        Assert.Contains("Fix: install the busybox-static package", run.All, StringComparison.Ordinal);
        Assert.Equal(before, world.Files());
    }

    [Fact]
    public async Task A_missing_busybox_fails_naming_the_package_to_install_and_writes_nothing()
    {
        using var world = new TestWorld();
        ValidatedModel.Configure(world, new { baseImage = "busybox-static", busybox = new { path = "no/such/busybox", sha256 = new string('a', 64) } });
        ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());
        var before = world.Files();

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], ValidatedModel.Env(world));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("the embedded base 'busybox-static' needs", run.All, StringComparison.Ordinal);
        Assert.Contains("apt-get install busybox-static", run.All, StringComparison.Ordinal);
        Assert.Equal(before, world.Files());
    }

    [Fact]
    public async Task Update_gitops_refuses_an_image_without_a_shell_and_commits_nothing()
    {
        using var world = new TestWorld();
        var key = await world.PublishAsync("iris", 1);
        var path = Path.Combine(world.ArtifactsDir, "iris", "runs", key, "package.json");
        var package = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        package["warnings"] = new JsonArray("shell: base image 'scratch' has no /bin/sh");
        File.WriteAllText(path, package.ToJsonString());

        var run = await Modelpipe.RunAsync(world.Root, "gitops", "--model", "iris");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("has no /bin/sh", run.All, StringComparison.Ordinal);
        Assert.Contains("modelcar.baseImage to \"busybox-static\"", run.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(world.GitOpsRepo()) && (await BareRepo.GitAsync(world.GitOpsRepo(), "branch", "--list")).Length > 0);
        Assert.False(File.Exists(Path.Combine(world.ArtifactsDir, "iris", "runs", key, "gitops.json")));
    }

    private static byte[] ReadAll(TarEntry entry)
    {
        using var copy = new MemoryStream();
        entry.DataStream!.CopyTo(copy);
        return copy.ToArray();
    }
}
