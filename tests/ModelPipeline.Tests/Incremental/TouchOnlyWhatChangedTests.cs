using ModelPipeline.Tests.Forges;
using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Incremental;

/// <summary>
/// UpdateGitOps and OpenPr touch only the models whose test pin changed; a newer version closes the
/// older promotion of the same model (GitHub, GitLab, local forge). Real git everywhere; the forges
/// are the test suite's fakes backed by the served bare GitOps repository.
/// </summary>
public sealed class TouchOnlyWhatChangedTests
{
    private const string GitHubToken = "ghp_CANARY_touch_5d1e";
    private const string GitLabToken = "glpat-CANARY-touch-77a1";

    private static Dictionary<string, string?> Env() => ForgeTestKit.Env(GitHubToken, GitLabToken);

    /// <summary>A copy of models/iris named <paramref name="name"/>.</summary>
    internal static string CopyIrisAs(TestWorld world, string name)
    {
        var dir = world.CopyModel("iris");
        var target = Path.Combine(world.Root, "models", name);
        Directory.Move(dir, target);
        var json = Path.Combine(target, "model.json");
        File.WriteAllText(json, File.ReadAllText(json).Replace("\"name\": \"iris\"", $"\"name\": \"{name}\"", StringComparison.Ordinal));
        return target;
    }

    private static async Task<Modelpipe.Result> Run(TestWorld world, params string[] args)
    {
        var run = await Modelpipe.RunAsync(world.Root, args, Env());
        Assert.True(run.ExitCode == 0, run.All);
        return run;
    }

    private static async Task<Dictionary<string, string>> Refs(string bare) =>
        (await BareRepo.GitAsync(bare, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1]);

    [Fact]
    public async Task With_twenty_models_and_one_changed_exactly_one_gitops_file_branch_and_pull_request_are_touched()
    {
        using var world = new TestWorld();
        var models = Enumerable.Range(1, 20).Select(i => $"m{i:00}").ToList();
        foreach (var m in models) CopyIrisAs(world, m);
        foreach (var m in models) await world.PublishAsync(m, 1);
        await using var git = await ForgeTestKit.ServeGitOpsAsync(world);
        await using var fake = await FakeGitHub.StartAsync("acme/gitops", git.ServedRepo(), GitHubToken);
        world.SetSection("forge", $$"""{ "kind": "github", "apiUrl": "{{fake.BaseUrl}}", "repository": "acme/gitops", "tokenEnv": "MP_TEST_GH_TOKEN", "labels": ["promotion"] }""");
        await Run(world, "gitops");
        await Run(world, "pr");
        Assert.Equal(20, fake.PullRequests.Count(p => p.Open));
        var refsBefore = await Refs(git.ServedRepo());
        var mainBefore = refsBefore["main"];
        var requestsBefore = fake.Requests.Count;
        // Models are proposed in parallel, so which number m07's pull request got depends on the run.
        var oldNumber = fake.PullRequests.Single(p => p.Head == "promote/m07-v1").Number.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await world.PublishAsync("m07", 2);
        var gitops = await Run(world, "gitops", "--json");
        var pr = await Run(world, "pr", "--json");

        // GitOps: one commit, touching only test/m07/config.yaml.
        var changedFiles = (await BareRepo.GitAsync(git.ServedRepo(), "diff", "--name-only", mainBefore, "main")).Trim();
        Assert.Equal("test/m07/config.yaml", changedFiles);
        Assert.Equal("1", (await BareRepo.GitAsync(git.ServedRepo(), "rev-list", "--count", $"{mainBefore}..main")).Trim());
        Assert.Equal(19, gitops.StdOut.Split("\"result\": \"skipped\"").Length - 1);
        // Branches: m07's v1 branch replaced by v2; the other 19 promotion branches are the same commits.
        var refsAfter = await Refs(git.ServedRepo());
        Assert.DoesNotContain("promote/m07-v1", refsAfter.Keys);
        Assert.Contains("promote/m07-v2", refsAfter.Keys);
        foreach (var m in models.Where(m => m != "m07"))
            Assert.Equal(refsBefore[$"promote/{m}-v1"], refsAfter[$"promote/{m}-v1"]);
        // Pull requests: one new (#21), the older one of m07 closed with a comment linking it; no other PR touched.
        var calls = fake.Requests.Skip(requestsBefore).ToList();
        var numbers = calls.Where(c => !c.StartsWith("GET ", StringComparison.Ordinal))
            .Select(c => System.Text.RegularExpressions.Regex.Match(c, @"/(pulls|issues)/(\d+)")).Where(m => m.Success).Select(m => m.Groups[2].Value).ToHashSet();
        Assert.Equal(new[] { "21", oldNumber }.Order(StringComparer.Ordinal), numbers.Order(StringComparer.Ordinal));
        var old = fake.PullRequests.Single(p => p.Head == "promote/m07-v1");
        Assert.False(old.Open);
        Assert.Contains($"{fake.BaseUrl}acme/gitops/pull/21", Assert.Single(old.Comments), StringComparison.Ordinal);
        Assert.Contains("Superseded by #21", old.Comments[0], StringComparison.Ordinal);
        Assert.True(fake.PullRequests.Single(p => p.Head == "promote/m07-v2").Open);
        Assert.Equal(19, fake.PullRequests.Count(p => p.Open && p.Head != "promote/m07-v2"));
        Assert.All(fake.PullRequests.Where(p => !p.Head.StartsWith("promote/m07", StringComparison.Ordinal)), p => Assert.Equal(0, p.Updates));
        Assert.Contains("\"branchDeleted\": true", pr.StdOut, StringComparison.Ordinal);
        Assert.Equal(19, pr.StdOut.Split("\"action\": \"pin-unchanged\"").Length - 1);
        Assert.True(fake.Failures.IsEmpty, string.Join("\n", fake.Failures));
    }

    [Fact]
    public async Task A_newer_version_closes_the_older_merge_request_of_that_model_on_gitlab_and_deletes_its_branch()
    {
        using var world = new TestWorld();
        CopyIrisAs(world, "other");
        await world.PublishAsync("iris", 1);
        await world.PublishAsync("other", 1);
        await using var git = await ForgeTestKit.ServeGitOpsAsync(world);
        await using var fake = await FakeGitLab.StartAsync("platform/gitops", git.ServedRepo(), GitLabToken);
        world.SetSection("forge", $$"""{ "kind": "gitlab", "apiUrl": "{{fake.BaseUrl}}", "repository": "platform/gitops", "tokenEnv": "MP_TEST_GL_TOKEN" }""");
        await Run(world, "gitops");
        await Run(world, "pr");
        var otherBranch = await BareRepo.TipAsync(git.ServedRepo(), "promote/other-v1");

        await world.PublishAsync("iris", 2);
        await Run(world, "gitops", "--model", "iris");
        var run = await Run(world, "pr");

        var older = fake.MergeRequests.Single(m => m.Head == "promote/iris-v1");
        var newer = fake.MergeRequests.Single(m => m.Head == "promote/iris-v2");
        Assert.False(older.Open);
        Assert.Contains($"Superseded by !{newer.Number}", Assert.Single(older.Comments), StringComparison.Ordinal);
        Assert.Contains($"{fake.BaseUrl}platform/gitops/-/merge_requests/{newer.Number}", older.Comments[0], StringComparison.Ordinal);
        Assert.True(newer.Open);
        Assert.Null(await BareRepo.TipAsync(git.ServedRepo(), "promote/iris-v1"));
        Assert.NotNull(await BareRepo.TipAsync(git.ServedRepo(), "promote/iris-v2"));
        var other = fake.MergeRequests.Single(m => m.Head == "promote/other-v1");
        Assert.True(other.Open);
        Assert.Empty(other.Comments);
        Assert.Equal(otherBranch, await BareRepo.TipAsync(git.ServedRepo(), "promote/other-v1"));
        Assert.Contains("closed promote/iris-v1", run.All, StringComparison.Ordinal);
        Assert.True(fake.Failures.IsEmpty, string.Join("\n", fake.Failures));
    }

    [Fact]
    public async Task A_newer_version_closes_the_older_local_promotion_and_deletes_its_branch()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        await Run(world, "gitops");
        await Run(world, "pr");

        await world.PublishAsync("iris", 2);
        await Run(world, "gitops");
        var run = await Run(world, "pr", "--json");

        var branches = await BareRepo.GitAsync(world.GitOpsRepo(), "branch", "--list");
        Assert.DoesNotContain("promote/iris-v1", branches, StringComparison.Ordinal);
        Assert.Contains("promote/iris-v2", branches, StringComparison.Ordinal);
        var closed = await File.ReadAllTextAsync(Path.Combine(world.ArtifactsDir, "iris", "promotions", "v1", "closed.md"));
        Assert.Contains("Superseded by the newer promotion", closed, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(world.ArtifactsDir, "iris", "promotions", "v2", "pull-request.md"), closed, StringComparison.Ordinal);
        Assert.Contains("\"branchDeleted\": true", run.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_open_pr_keeps_the_promotion_pending_and_a_re_run_proposes_it()
    {
        using var world = new TestWorld();
        await world.PublishAsync("iris", 1);
        await using var git = await ForgeTestKit.ServeGitOpsAsync(world);
        await using var fake = await FakeGitHub.StartAsync("acme/gitops", git.ServedRepo(), GitHubToken);
        world.SetSection("forge", $$"""{ "kind": "github", "apiUrl": "{{fake.BaseUrl}}", "repository": "acme/gitops", "tokenEnv": "MP_TEST_GH_TOKEN" }""");
        await Run(world, "gitops");
        fake.Enqueue(500, """{"message":"Server Error"}""");

        var failed = await Modelpipe.RunAsync(world.Root, ["pr"], Env());
        Assert.Equal(1, failed.ExitCode);
        Assert.True(File.Exists(Path.Combine(world.ArtifactsDir, "iris", "pending-promotion.json")));

        await Run(world, "gitops");
        var again = await Run(world, "pr", "--json");
        Assert.Contains("\"action\": \"created\"", again.StdOut, StringComparison.Ordinal);
        Assert.Single(fake.PullRequests);
        Assert.False(File.Exists(Path.Combine(world.ArtifactsDir, "iris", "pending-promotion.json")));
    }
}
