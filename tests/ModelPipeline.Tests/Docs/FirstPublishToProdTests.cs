using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelPipeline.Tests.Packaging;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Docs;

/// <summary>
/// A fresh clone of this repository runs the README's "First publish to prod" block exactly as written, once for
/// the tests of this class; what the repositories held right after it is kept for the assertions.
/// </summary>
public sealed class FirstPublishToProd : IAsyncLifetime, IDisposable
{
    private readonly TestWorld _world = new();

    public string Clone { get; private set; } = "";

    public string Gitops => Path.Combine(_world.Root, "gitops");

    public (int ExitCode, string Output) Walk { get; private set; }

    public string TestPin { get; private set; } = "";

    public string ProdPin { get; private set; } = "";

    public JsonNode Aliases { get; private set; } = new JsonObject();

    public async Task InitializeAsync()
    {
        if (!File.Exists("/bin/busybox")) return;
        Clone = await WorkingTreeClone.CreateAsync(_world.Root);
        Walk = await DocBlocks.RunAsync(DocBlocks.Read("README.md", "first-publish-to-prod"), Clone);
        if (Walk.ExitCode != 0) return;
        TestPin = await Pin("test");
        ProdPin = await Pin("prod");
        Aliases = JsonNode.Parse(await ZooFile("models/iris/aliases.json"))!;
    }

    public Task<string> Pin(string environment) =>
        Tools.RunOkAsync("git", "--git-dir", Path.Combine(Clone, ".pipeline", "gitops.git"),
            "show", $"main:{environment}/iris/config.yaml");

    public Task<string> ZooFile(string path) =>
        Tools.RunOkAsync("git", "--git-dir", Path.Combine(Clone, ".pipeline", "zoo.git"), "show", $"main:{path}");

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _world.Dispose();
}

public sealed partial class FirstPublishToProdTests(FirstPublishToProd walk) : IClassFixture<FirstPublishToProd>
{
    [BusyboxFact]
    public void The_readme_walk_publishes_iris_and_its_merged_promotion_moves_prod_to_v1()
    {
        Assert.True(walk.Walk.ExitCode == 0, walk.Walk.Output);
        Assert.Equal(Digest(walk.TestPin), Digest(walk.ProdPin));
        Assert.Contains("environment: prod", walk.ProdPin, StringComparison.Ordinal);
        Assert.Contains("model_version: 1", walk.ProdPin, StringComparison.Ordinal);
        Assert.Equal(1, (int)walk.Aliases["prod"]!);
        Assert.Equal(1, (int)walk.Aliases["test"]!);
        // The last command of the walk shows the alias it promises.
        Assert.Matches(new Regex(@"^v1\t.*\tlatest,prod,test$", RegexOptions.Multiline), walk.Walk.Output);
    }

    /// <summary>The README's "Running modelpipe" block in the built clone: the CLI answers on the PATH.</summary>
    [BusyboxFact]
    public async Task The_readme_puts_modelpipe_on_the_path_of_a_built_checkout()
    {
        Assert.True(walk.Walk.ExitCode == 0, walk.Walk.Output);

        var run = await DocBlocks.RunAsync(DocBlocks.Read("README.md", "running-modelpipe"), walk.Clone);

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("modelpipe: take a model from a definition in git", run.Output, StringComparison.Ordinal);
        Assert.Contains("sync-aliases", run.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// From where the README walk ends, as docs/operations.md tells a release manager: a changed model is published
    /// as v2 and promoted, then prod is rolled back to v1 by promoting v1 again; prod pins v1's digest once more.
    /// </summary>
    [BusyboxFact]
    public async Task The_operations_page_promotes_a_new_version_and_rolls_prod_back_to_the_one_before()
    {
        Assert.True(walk.Walk.ExitCode == 0, walk.Walk.Output);
        var modelJson = Path.Combine(walk.Clone, "models", "iris", "model.json");
        var text = File.ReadAllText(modelJson);
        var changed = text.Replace("\"epochs\": 400", "\"epochs\": 401", StringComparison.Ordinal);
        File.WriteAllText(modelJson, changed);

        // The page asks for modelpipe on the PATH, as the README walk put it.
        var onPath = Path.Combine(walk.Clone, "build", "cli");
        var next = DocBlocks.Read("docs/operations.md", "promote-a-new-version");
        var promote = await DocBlocks.RunAsync(next, walk.Clone, onPath);
        Assert.True(promote.ExitCode == 0, promote.Output);
        var v2 = await walk.Pin("prod");
        Assert.Contains("model_version: 2", v2, StringComparison.Ordinal);
        Assert.Equal(Digest(await walk.Pin("test")), Digest(v2));
        Assert.NotEqual(Digest(walk.ProdPin), Digest(v2));

        var rollback = await DocBlocks.RunAsync(DocBlocks.Read("docs/operations.md", "roll-back"), walk.Clone, onPath);
        Assert.True(rollback.ExitCode == 0, rollback.Output);
        var back = await walk.Pin("prod");
        Assert.Contains("model_version: 1", back, StringComparison.Ordinal);
        Assert.Equal(Digest(walk.ProdPin), Digest(back));
        Assert.Equal(1, (int)JsonNode.Parse(await walk.ZooFile("models/iris/aliases.json"))!["prod"]!);
        Assert.Matches(new Regex($@"^v1\t\S+@{Digest(back)}\t", RegexOptions.Multiline), rollback.Output);

        // Freeze prod, see Promote refused, unfreeze, promote v2 again and merge it with the local forge's pr merge.
        var freeze = await DocBlocks.RunAsync(DocBlocks.Read("docs/operations.md", "freeze-and-merge"), walk.Clone, onPath);
        Assert.True(freeze.ExitCode == 0, freeze.Output);
        Assert.Contains("prod of 'iris' is frozen by Release Manager <rm@example.com>", freeze.Output, StringComparison.Ordinal);
        Assert.Contains("refused (exit 1)", freeze.Output, StringComparison.Ordinal);
        Assert.Contains("model_version: 2", await walk.Pin("prod"), StringComparison.Ordinal);
        Assert.Equal(2, (int)JsonNode.Parse(await walk.ZooFile("models/iris/aliases.json"))!["prod"]!);
        Assert.Matches(new Regex(@"^v2\t", RegexOptions.Multiline), freeze.Output);
        Assert.Contains("resolved iris@prod (v2)", freeze.Output, StringComparison.Ordinal);
    }

    private static string Digest(string config) => ImageDigest().Match(config).Groups[1].Value is { Length: > 0 } d
        ? d : throw new Xunit.Sdk.XunitException($"no image_digest in:\n{config}");

    [GeneratedRegex(@"^image_digest: (sha256:[0-9a-f]{64})$", RegexOptions.Multiline)]
    private static partial Regex ImageDigest();
}
