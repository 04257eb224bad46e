using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Zoo;

public sealed class ZooConsumerTests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    private string Primary => Path.Combine(_world.Root, ".pipeline", "zoo.git");

    private async Task<(ZooSeed.Seeded V1, ZooSeed.Seeded V2)> PublishTwoAsync()
    {
        var published = await _world.PublishVariantsAsync(2);
        return (published[0], published[1]);
    }

    [Fact]
    public async Task List_show_and_resolve_read_versions_by_number_alias_and_digest()
    {
        var (v1, v2) = await PublishTwoAsync();

        var list = await Modelpipe.RunAsync(_world.Root, "models", "list");
        Assert.True(list.ExitCode == 0, list.All);
        Assert.Contains("demo\tv2\t2 version(s)\tlatest=v2\tdemo test model", list.StdOut);

        var show = await Modelpipe.RunAsync(_world.Root, "models", "show", "demo");
        Assert.Contains("v1\t-\t", show.StdOut);
        Assert.Contains("v2\tlatest (never in test)\t", show.StdOut);

        var card = await Modelpipe.RunAsync(_world.Root, "models", "show", "demo@v1");
        Assert.Contains("# demo v1", card.StdOut);
        Assert.Contains(v1.Digest, card.StdOut);

        var byVersion = await Modelpipe.RunAsync(_world.Root, "models", "resolve", "demo@v1");
        Assert.Equal($"v1\tlocalhost/models/demo@{v1.Digest}\toci://localhost/models/demo@{v1.Digest}", byVersion.StdOut.Trim());
        var byAlias = await Modelpipe.RunAsync(_world.Root, "models", "resolve", "demo@latest");
        Assert.StartsWith($"v2\tlocalhost/models/demo@{v2.Digest}", byAlias.StdOut);
        var byDigest = await Modelpipe.RunAsync(_world.Root, "models", "resolve", $"demo@{v1.Digest}");
        Assert.StartsWith("v1\t", byDigest.StdOut);

        await ZooEdit.WritePolicyAsync(Primary, _world.Root, ZooEdit.NothingProtected); // prod set by hand below
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "models", "alias", "demo", "prod", "v2")).ExitCode);
        var json = await Modelpipe.RunAsync(_world.Root, "models", "resolve", "demo", "--json");
        using var doc = JsonDocument.Parse(json.StdOut);
        var resolved = doc.RootElement.GetProperty("results").EnumerateArray().Single().GetProperty("data");
        Assert.Equal(2, resolved.GetProperty("version").GetProperty("version").GetInt32());
        Assert.Equal(v2.TrainingKey, resolved.GetProperty("manifest").GetProperty("trainingKey").GetString());
    }

    [Theory]
    [InlineData("demo@v9", "no such version")]
    [InlineData("demo@prod", "no such alias")]
    [InlineData("demo@sha256:0000000000000000000000000000000000000000000000000000000000000000", "no version of demo has that image digest")]
    [InlineData("demo@Bad_Ref", "is not a version (vN), an alias or a digest")]
    [InlineData("nothere@v1", "is not in the zoo")]
    [InlineData("../etc@v1", "is not a model name")]
    public async Task Resolving_an_unknown_reference_exits_2_with_a_fix(string reference, string message)
    {
        await PublishTwoAsync();

        var result = await Modelpipe.RunAsync(_world.Root, "models", "resolve", reference);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.StdErr);
        Assert.Contains("Fix:", result.StdErr);
    }

    [Fact]
    public async Task Setting_an_alias_is_a_recorded_commit_that_consumers_resolve()
    {
        var (v1, _) = await PublishTwoAsync();
        var commits = await BareRepo.CommitCountAsync(Primary);

        var set = await Modelpipe.RunAsync(_world.Root, "models", "alias", "demo", "staging", "v1");

        Assert.True(set.ExitCode == 0, set.All);
        Assert.Equal(commits + 1, await BareRepo.CommitCountAsync(Primary));
        Assert.Equal("zoo: set alias staging of demo to v1", (await BareRepo.GitAsync(Primary, "log", "-1", "--format=%s")).Trim());
        Assert.Equal(await BareRepo.TipAsync(Primary), await BareRepo.TipAsync(Path.Combine(_world.Root, ".pipeline", "zoo-mirror.git")));
        var resolved = await Modelpipe.RunAsync(_world.Root, "models", "resolve", "demo@staging");
        Assert.StartsWith($"v1\tlocalhost/models/demo@{v1.Digest}", resolved.StdOut);

        var again = await Modelpipe.RunAsync(_world.Root, "models", "alias", "demo", "staging", "v1");
        Assert.Contains("(unchanged)", again.StdOut);
        Assert.Equal(commits + 1, await BareRepo.CommitCountAsync(Primary));

        var verify = await Modelpipe.RunAsync(_world.Root, "models", "verify");
        Assert.True(verify.ExitCode == 0, verify.All);
    }

    [Theory]
    [InlineData("demo", "prod", "v7", "has no version v7")]
    [InlineData("demo", "v3", "v1", "alias 'v3' is invalid")]
    [InlineData("demo", "prod", "seven", "is not a version")]
    [InlineData("other", "prod", "v1", "is not in the zoo")]
    public async Task An_invalid_alias_request_exits_2_and_makes_no_commit(string model, string alias, string version, string message)
    {
        await PublishTwoAsync();
        var tip = await BareRepo.TipAsync(Primary);

        var result = await Modelpipe.RunAsync(_world.Root, "models", "alias", model, alias, version);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.StdErr);
        Assert.Contains("Fix:", result.StdErr);
        Assert.Equal(tip, await BareRepo.TipAsync(Primary));
    }

    [Fact]
    public async Task The_index_check_reports_an_index_edited_by_hand()
    {
        await PublishTwoAsync();
        var work = Path.Combine(_world.Root, "hand-edit");
        await BareRepo.GitAsync(_world.Root, "clone", "--quiet", Primary, work);
        var index = Path.Combine(work, "models", "demo", "index.json");
        File.WriteAllText(index, File.ReadAllText(index).Replace("\"version\": 1", "\"version\": 7", StringComparison.Ordinal));
        await BareRepo.GitAsync(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-am", "hand edit");
        await BareRepo.GitAsync(work, "push", "--quiet", "origin", "main");

        var verify = await Modelpipe.RunAsync(_world.Root, "models", "verify");
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("models/demo/index.json does not match the version folders and aliases", verify.StdErr);

        await _world.SeedPackagedAsync(variant: 3);
        var publish = await Modelpipe.RunAsync(_world.Root, "push");
        Assert.Equal(1, publish.ExitCode);
        Assert.Contains("is inconsistent; refusing to add to it", publish.All);
    }

    [Fact]
    public async Task A_consumer_elsewhere_reads_and_pulls_from_a_zoo_given_by_path()
    {
        var (v1, _) = await PublishTwoAsync();
        using var consumer = new TestWorld();
        var layout = Path.Combine(_world.Root, ".pipeline", "oci");
        var target = Path.Combine(consumer.Root, "model");

        var list = await Modelpipe.RunAsync(consumer.Root, "models", "list", "--zoo", Primary);
        var pull = await Modelpipe.RunAsync(consumer.Root, "pull", "demo@v1", "--zoo", Primary, "--layout", layout, "--to", target);

        Assert.True(list.ExitCode == 0, list.All);
        Assert.Contains("demo\tv2", list.StdOut);
        Assert.True(pull.ExitCode == 0, pull.All);
        Assert.Equal(v1.Files["model.onnx"], File.ReadAllBytes(Path.Combine(target, "model.onnx")));
        Assert.False(Directory.Exists(Path.Combine(consumer.Root, "artifacts")));
    }

    [Fact]
    public async Task Listing_an_empty_zoo_says_so()
    {
        var result = await Modelpipe.RunAsync(_world.Root, "models", "list");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("is empty", result.StdOut);
    }
}
