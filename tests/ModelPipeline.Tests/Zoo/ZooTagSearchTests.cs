using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Zoo;

/// <summary><c>models tag</c> and <c>models search</c> against the sandbox zoo (a real bare git repository).</summary>
public sealed class ZooTagSearchTests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    private string Primary => Path.Combine(_world.Root, ".pipeline", "zoo.git");

    private async Task<Modelpipe.Result> Run(params string[] args)
    {
        var result = await Modelpipe.RunAsync(_world.Root, args);
        Assert.True(result.ExitCode == 0, result.All);
        return result;
    }

    /// <summary>The versions found, newest first: "2,1".</summary>
    private static string Versions(Modelpipe.Result search)
    {
        using var doc = JsonDocument.Parse(search.StdOut);
        Assert.Equal("models search", doc.RootElement.GetProperty("command").GetString());
        Assert.Equal(0, doc.RootElement.GetProperty("exitCode").GetInt32());
        return doc.RootElement.GetProperty("results").EnumerateArray()
            .Select(r => r.GetProperty("data").GetProperty("version").GetInt32()).Aggregate("", (a, v) => a.Length == 0 ? $"{v}" : $"{a},{v}");
    }

    [Fact]
    public async Task Tags_set_and_removed_are_found_by_search_and_each_change_is_a_commit_outside_the_version()
    {
        await _world.PublishVariantsAsync(2);
        var ledger = await BareRepo.ShowAsync(Primary, "models/demo/ledger.jsonl");

        await Run("models", "tag", "demo@v1", "team=vision", "stage=beta");
        await Run("models", "tag", "demo@latest", "team=nlp");
        var removed = await Run("models", "tag", "demo@v1", "--remove", "stage", "--json");

        using (var doc = JsonDocument.Parse(removed.StdOut))
        {
            Assert.Equal("models tag", doc.RootElement.GetProperty("command").GetString());
            var data = doc.RootElement.GetProperty("results")[0].GetProperty("data");
            Assert.Equal("vision", data.GetProperty("tags").GetProperty("team").GetString());
            Assert.False(data.GetProperty("tags").TryGetProperty("stage", out _));
        }
        Assert.Equal("1", Versions(await Run("models", "search", "--tag", "team=vision", "--json")));
        Assert.Equal("2", Versions(await Run("models", "search", "--tag", "team=nlp", "--json")));
        Assert.Equal("", Versions(await Run("models", "search", "--tag", "stage=beta", "--json")));
        Assert.Equal("2", Versions(await Run("models", "search", "--metric", "accuracy>=0.915", "--json")));
        Assert.Equal("1", Versions(await Run("models", "search", "--metric", "accuracy<0.915", "--tag", "team=vision", "--json")));
        Assert.Equal("2,1", Versions(await Run("models", "search", "--owner", "A@EXAMPLE", "--json")));
        Assert.Equal("", Versions(await Run("models", "search", "--owner", "nobody", "--json")));
        Assert.Equal("2", Versions(await Run("models", "search", "--alias", "latest", "--json")));
        Assert.Equal("2,1", Versions(await Run("models", "search", "--since", "1d", "--model", "demo", "--json")));
        Assert.Equal("", Versions(await Run("models", "search", "--since", "2999-01-01", "--json")));

        var text = await Run("models", "search", "--tag", "team=vision");
        Assert.Contains("demo\tv1\t", text.StdOut, StringComparison.Ordinal);
        Assert.Contains("team=vision", text.StdOut, StringComparison.Ordinal);
        var show = await Run("models", "show", "demo");
        Assert.Contains("team=nlp", show.StdOut, StringComparison.Ordinal);

        // Tags live in tags.json with their own history; the versions and their ledger are untouched.
        var history = await BareRepo.GitAsync(Primary, "log", "--format=%s", "main", "--", "models/demo/tags.json");
        Assert.Equal(3, history.Trim().Split('\n').Length);
        Assert.Contains("zoo: tag demo v1 -stage", history, StringComparison.Ordinal);
        var touched = await BareRepo.GitAsync(Primary, "log", "--name-only", "--format=", "-3", "main");
        Assert.Equal("models/demo/tags.json", string.Join(",", touched.Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct()));
        Assert.Equal(ledger, await BareRepo.ShowAsync(Primary, "models/demo/ledger.jsonl"));
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "models", "verify")).ExitCode);
    }

    [Fact]
    public async Task Tagging_again_with_the_same_value_makes_no_commit()
    {
        await _world.PublishVariantsAsync(2);
        await Run("models", "tag", "demo@v2", "team=vision");
        var commits = await BareRepo.CommitCountAsync(Primary);

        var again = await Run("models", "tag", "demo@v2", "team=vision");

        Assert.Contains("(unchanged)", again.StdOut, StringComparison.Ordinal);
        Assert.Equal(commits, await BareRepo.CommitCountAsync(Primary));
    }

    [Theory]
    [InlineData(new[] { "models", "tag", "demo@v1", "team" }, "has no '='")]
    [InlineData(new[] { "models", "tag", "demo@v1", "Team=vision" }, "tag key 'Team'")]
    [InlineData(new[] { "models", "tag", "demo@v1", "team=" }, "the value must be 1 to 256 characters")]
    [InlineData(new[] { "models", "tag", "demo@v1", "team=a", "team=b" }, "is given twice")]
    [InlineData(new[] { "models", "tag", "demo@v1", "--remove", "owner" }, "has no tag owner")]
    [InlineData(new[] { "models", "tag", "demo@v1" }, "no tag given")]
    [InlineData(new[] { "models", "tag", "demo@v9", "team=x" }, "no such version")]
    [InlineData(new[] { "models", "search", "--metric", "accuracy~0.9" }, "is not NAME OP NUMBER")]
    [InlineData(new[] { "models", "search", "--tag", "team" }, "has no '='")]
    [InlineData(new[] { "models", "search", "--since", "yesterday" }, "is not a date")]
    public async Task Bad_tag_and_search_syntax_exits_2_with_a_fix_and_commits_nothing(string[] args, string message)
    {
        await _world.PublishVariantsAsync(2);
        var tip = await BareRepo.TipAsync(Primary);

        var result = await Modelpipe.RunAsync(_world.Root, args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.StdErr, StringComparison.Ordinal);
        Assert.Contains("Fix:", result.StdErr, StringComparison.Ordinal);
        Assert.Equal(tip, await BareRepo.TipAsync(Primary));
    }
}
