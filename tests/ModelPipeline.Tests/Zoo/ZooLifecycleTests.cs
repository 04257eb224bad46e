using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Zoo;

/// <summary><c>models deprecate|yank|archive</c> as resolve, pull, show and the report see them (sandbox zoo, OCI layout).</summary>
public sealed class ZooLifecycleTests : IDisposable
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

    [Fact]
    public async Task A_yanked_version_is_refused_by_resolve_and_pull_unless_named_exactly_with_allow_yanked()
    {
        await _world.PublishVariantsAsync(2);
        var ledger = await BareRepo.ShowAsync(Primary, "models/demo/ledger.jsonl");

        var yank = await Run("models", "yank", "demo@v2", "--reason", "trained on the wrong labels", "--json");
        using (var doc = JsonDocument.Parse(yank.StdOut))
            Assert.Equal("yanked", doc.RootElement.GetProperty("results")[0].GetProperty("data").GetProperty("state").GetString());

        var byAlias = await Modelpipe.RunAsync(_world.Root, "models", "resolve", "demo@latest", "--allow-yanked");
        Assert.Equal(2, byAlias.ExitCode);
        Assert.Contains("demo@latest is v2: demo v2 is yanked since", byAlias.StdErr, StringComparison.Ordinal);
        Assert.Contains("(reason: trained on the wrong labels)", byAlias.StdErr, StringComparison.Ordinal);
        Assert.Contains("ask for it exactly (demo@v2) with --allow-yanked", byAlias.StdErr, StringComparison.Ordinal);
        var exact = await Modelpipe.RunAsync(_world.Root, "models", "resolve", "demo@v2");
        Assert.Equal(2, exact.ExitCode);
        Assert.Contains("pass --allow-yanked to use v2 anyway", exact.StdErr, StringComparison.Ordinal);
        var allowed = await Run("models", "resolve", "demo@v2", "--allow-yanked");
        Assert.StartsWith("v2\t", allowed.StdOut, StringComparison.Ordinal);
        Assert.Contains("warning: demo v2 is yanked", allowed.StdErr, StringComparison.Ordinal);

        var target = Path.Combine(_world.Root, "pulled");
        var pull = await Modelpipe.RunAsync(_world.Root, "pull", "demo@latest", "--to", target);
        Assert.Equal(2, pull.ExitCode);
        Assert.False(Directory.Exists(target));
        await Run("pull", "demo@v2", "--allow-yanked", "--to", target);
        Assert.True(File.Exists(Path.Combine(target, "model.onnx")));

        // The record, its digest and its ledger line stay; show says why it is yanked.
        Assert.Equal(ledger, await BareRepo.ShowAsync(Primary, "models/demo/ledger.jsonl"));
        Assert.Contains("yanked: trained on the wrong labels", (await Run("models", "show", "demo")).StdOut, StringComparison.Ordinal);
        await Run("models", "verify");

        // A yank is undone: the history keeps both commits.
        await Run("models", "yank", "demo@v2", "--undo");
        Assert.StartsWith("v2\t", (await Run("models", "resolve", "demo@latest")).StdOut, StringComparison.Ordinal);
        var history = await BareRepo.GitAsync(Primary, "log", "--format=%s", "main", "--", "models/demo/lifecycle.json");
        Assert.Equal(["zoo: restore demo v2 (was yanked)", "zoo: yank demo v2"], history.Trim().Split('\n'));
    }

    [Fact]
    public async Task A_deprecated_version_still_resolves_and_pulls_with_a_warning_giving_the_reason()
    {
        await _world.PublishVariantsAsync(2);
        await Run("models", "deprecate", "demo@v1", "--reason", "use v2: better recall");

        var resolved = await Run("models", "resolve", "demo@v1");
        Assert.StartsWith("v1\t", resolved.StdOut, StringComparison.Ordinal);
        Assert.Contains("warning: demo v1 is deprecated since", resolved.StdErr, StringComparison.Ordinal);
        Assert.Contains("use v2: better recall", resolved.StdErr, StringComparison.Ordinal);
        var pull = await Run("pull", "demo@v1", "--to", Path.Combine(_world.Root, "pulled"));
        Assert.Contains("deprecated", pull.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "models", "yank", "demo@latest", "--reason", "x" }, "name the version exactly")]
    [InlineData(new[] { "models", "yank", "demo@v1" }, "no reason given")]
    [InlineData(new[] { "models", "yank", "demo@v1", "--reason", " " }, "no reason given")]
    [InlineData(new[] { "models", "archive", "demo@v1", "--undo" }, "not archived; nothing to undo")]
    [InlineData(new[] { "models", "deprecate", "demo@v2", "--reason", "x" }, "is yanked since")]
    [InlineData(new[] { "models", "yank", "demo@v9", "--reason", "x" }, "no such version")]
    public async Task A_bad_lifecycle_request_exits_2_with_a_fix_and_commits_nothing(string[] args, string message)
    {
        await _world.PublishVariantsAsync(2);
        await Run("models", "yank", "demo@v2", "--reason", "broken");
        var tip = await BareRepo.TipAsync(Primary);

        var result = await Modelpipe.RunAsync(_world.Root, args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.StdErr, StringComparison.Ordinal);
        Assert.Contains("Fix:", result.StdErr, StringComparison.Ordinal);
        Assert.Equal(tip, await BareRepo.TipAsync(Primary));
    }

    [Fact]
    public async Task The_report_hides_archived_versions_by_default_and_shows_tags_and_states()
    {
        await _world.PublishVariantsAsync(2);
        await _world.SeedPackagedAsync(variant: 3);
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "push")).ExitCode);
        await Run("models", "archive", "demo@v1", "--reason", "superseded long ago");
        await Run("models", "deprecate", "demo@v3", "--reason", "slow");
        await Run("models", "tag", "demo@v3", "team=vision");
        var site = Path.Combine(_world.Root, "site");

        await Run("report", "--zoo", Primary, "--out", site);

        var page = File.ReadAllText(Path.Combine(site, "models", "demo.html"));
        Assert.DoesNotContain("href=\"#v1\"", page, StringComparison.Ordinal);
        Assert.Contains("href=\"#v2\"", page, StringComparison.Ordinal);
        Assert.Contains("1 archived version(s) hidden", page, StringComparison.Ordinal);
        Assert.Contains(">deprecated</span>", page, StringComparison.Ordinal);
        Assert.Contains(">team=vision</span>", page, StringComparison.Ordinal);
        var index = File.ReadAllText(Path.Combine(site, "index.html"));
        var tags = System.Text.RegularExpressions.Regex.Match(index, "data-tags=\"([^\"]*)\"").Groups[1].Value;
        Assert.Contains("team=vision", tags.Split(' '));
        Assert.Contains("demo-v3", tags.Split(' '));
        Assert.Contains("data-metrics=\"accuracy=0.93\"", index, StringComparison.Ordinal);
        Assert.Contains("1 archived version(s) hidden", index, StringComparison.Ordinal);

        await Run("report", "--zoo", Primary, "--out", site, "--archived");
        page = File.ReadAllText(Path.Combine(site, "models", "demo.html"));
        Assert.Contains("href=\"#v1\"", page, StringComparison.Ordinal);
        Assert.Contains(">archived</span>", page, StringComparison.Ordinal);
        Assert.Contains("superseded long ago", page, StringComparison.Ordinal);

        // search leaves archived versions out too, unless asked.
        Assert.DoesNotContain("demo\tv1\t", (await Run("models", "search")).StdOut, StringComparison.Ordinal);
        Assert.Contains("demo\tv1\t", (await Run("models", "search", "--archived")).StdOut, StringComparison.Ordinal);
    }
}
