using System.Security.Cryptography;
using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Serving;

/// <summary>
/// A models repository world with a zoo (the sandbox bare repo under .pipeline/, images in the
/// .pipeline/oci layout) and a serving host that follows it: a sync.json and a serving root, all
/// inside one temp folder. Publishing and aliasing go through the real modelpipe process.
/// </summary>
public sealed class ServingWorld : IDisposable
{
    public TestWorld World { get; } = new();

    public string Root => World.Root;

    /// <summary>The serving root.</summary>
    public string Serving => Path.Combine(Root, "serving");

    public string SyncPath => Path.Combine(Root, "sync.json");

    /// <summary>The zoo's bare repository on disk (a test that serves the zoo over http points it there).</summary>
    public string ZooBare { get; set; }

    public ServingWorld() => ZooBare = Path.Combine(Root, ".pipeline", "zoo.git");

    public string Layout => Path.Combine(Root, ".pipeline", "oci");

    public string StatusPath => Path.Combine(Serving, ".sync", "status.json");

    public string CurrentLink => Path.Combine(Serving, "demo", "current");

    /// <summary>Environment for every modelpipe process of this world (tokens, registry settings).</summary>
    public Dictionary<string, string?> Env { get; } = [];

    /// <summary>The zoo the sync file follows (default: the sandbox zoo's bare repo).</summary>
    public object Zoo { get; set; } = new { url = ".pipeline/zoo.git" };

    /// <summary>Packages a variant of the demo model and pushes it to the zoo: version N = the number of pushes so far.</summary>
    public async Task<ZooSeed.Seeded> PublishAsync(int variant)
    {
        var seeded = await World.SeedPackagedAsync(variant: variant);
        var push = await Modelpipe.RunAsync(Root, ["push"], Env);
        Assert.True(push.ExitCode == 0, push.All);
        return seeded;
    }

    private bool _policyWritten;

    /// <summary>Points an alias of demo at a version by hand; this world's zoo protects no alias (policy.json),
    /// since it has no GitOps repository whose merged promotions would move prod.</summary>
    public async Task AliasAsync(string alias, int version)
    {
        if (!_policyWritten)
        {
            await ZooEdit.WritePolicyAsync(ZooBare, Root, ZooEdit.NothingProtected);
            _policyWritten = true;
        }
        var result = await Modelpipe.RunAsync(Root, ["models", "alias", "demo", alias, $"v{version}"], Env);
        Assert.True(result.ExitCode == 0, result.All);
    }

    /// <summary>Writes sync.json; <paramref name="extra"/> adds or replaces top-level fields.</summary>
    /// <param name="layout">The OCI layout images are read from; null: the registry each image was pushed to.</param>
    public void WriteSync(string follow = "demo@prod", int keep = 1, IReadOnlyDictionary<string, object>? extra = null, string? layout = ".pipeline/oci")
    {
        var doc = new Dictionary<string, object>
        {
            ["zoo"] = Zoo,
            ["root"] = "serving",
            ["follow"] = new[] { follow },
            ["keep"] = keep,
        };
        if (layout is not null) doc["layout"] = layout;
        foreach (var (k, v) in extra ?? new Dictionary<string, object>()) doc[k] = v;
        File.WriteAllText(SyncPath, JsonSerializer.Serialize(doc));
    }

    public Task<Modelpipe.Result> SyncAsync(params string[] args) =>
        Modelpipe.RunAsync(Root, ["sync", "--file", SyncPath, .. args], Env);

    /// <summary>The version folder name current points to, or null.</summary>
    public string? Current => new FileInfo(CurrentLink).LinkTarget;

    public static string VersionName(int version, ZooSeed.Seeded seeded) => $"v{version}-{seeded.Digest[7..19]}";

    /// <summary>Asserts current is a link to version N of <paramref name="seeded"/> and holds exactly its files.</summary>
    public void AssertServes(int version, ZooSeed.Seeded seeded)
    {
        Assert.Equal(VersionName(version, seeded), Current);
        Assert.Equal(seeded.Files.Keys.Order(), Directory.GetFiles(CurrentLink).Select(Path.GetFileName).Order());
        foreach (var (name, data) in seeded.Files)
            Assert.Equal(data, File.ReadAllBytes(Path.Combine(CurrentLink, name)));
    }

    /// <summary>The folders and links under ROOT/demo, sorted.</summary>
    public IReadOnlyList<string> ModelEntries() =>
        Directory.Exists(Path.Combine(Serving, "demo"))
            ? Directory.EnumerateFileSystemEntries(Path.Combine(Serving, "demo")).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToList()
            : [];

    public JsonElement Status() => JsonDocument.Parse(File.ReadAllText(StatusPath)).RootElement;

    /// <summary>The sha256 of every file of a folder, by relative path.</summary>
    public static Dictionary<string, string> Digests(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))));

    public static Dictionary<string, string> Digests(ZooSeed.Seeded seeded) =>
        seeded.Files.ToDictionary(f => f.Key, f => Convert.ToHexStringLower(SHA256.HashData(f.Value)));

    public void Dispose() => World.Dispose();
}
