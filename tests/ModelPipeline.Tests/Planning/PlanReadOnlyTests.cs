using System.Security.Cryptography;
using System.Text.Json;
using ModelPipeline.Tests.Ci;
using ModelPipeline.Tests.Forges;
using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;
using static ModelPipeline.Tests.Support.Modelpipe;

namespace ModelPipeline.Tests.Planning;

/// <summary>
/// <c>modelpipe plan</c> reads and never writes: on a fresh clone it creates none of the embedded default's local
/// remotes or clone caches (everything is planned as new), and it leaves no scratch folder behind; on GitHub and
/// GitLab (the test suite's fakes, over HTTP) it only sends GETs, and its open/update verdict is what OpenPr then
/// does. Real git, a real OCI layout, shell trainers.
/// </summary>
public sealed class PlanReadOnlyTests
{
    private const string GitHubToken = "ghp_CANARY_planro_51ab";
    private const string GitLabToken = "glpat-CANARY-planro-7d2e";
    private static readonly string[] Updated = ["updated", "unchanged"];

    [Fact]
    public async Task A_plan_on_a_fresh_clone_writes_nothing_anywhere_and_plans_everything_as_new()
    {
        using var world = new TestWorld();
        await ThreeModels.WriteModelAsync(world.Root, "tiny");
        await BareRepo.GitAsync(world.Root, "init", "--quiet", "--initial-branch=main");
        await BareRepo.GitAsync(world.Root, "add", "--all");
        await BareRepo.GitAsync(world.Root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet",
            "-m", "tiny");
        var temp = Path.Combine(Path.GetTempPath(), "mp-tests", "tmpdir-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(temp);
        try
        {
            var before = Tree(world.Root);
            var rows = await Modelpipe.RunJsonAsync(world.Root, ["plan"],
                new Dictionary<string, string?> { ["TMPDIR"] = temp, ["SOURCE_DATE_EPOCH"] = null });

            Assert.Equal(before, Tree(world.Root));
            Assert.False(Directory.Exists(Path.Combine(world.Root, ".pipeline")), "the plan created .pipeline/");
            Assert.Empty(Directory.EnumerateDirectories(temp)); // the scratch folder is gone
            var plan = rows[0].GetProperty("data");
            Assert.Equal("train", Text(plan, "training", "action"));
            Assert.Equal("1 True", $"{Text(plan, "zoo", "version")} {Text(plan, "zoo", "newVersion")}");
            Assert.Equal(["latest (unset) 1", "test (unset) 1"], plan.GetProperty("zoo").GetProperty("aliasMoves")
                .EnumerateArray().Select(a => $"{Text(a, "alias")} {From(a)} {Text(a, "to")}"));
            Assert.Equal("create", Text(plan, "gitOps", "action"));
            Assert.Equal("open promote/tiny-v1",
                $"{Text(plan, "promotion", "action")} {Text(plan, "promotion", "branch")}");
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>
    /// Two models deployed to test, promotions pending: <c>a</c>'s pull request was already opened (by Promote), so
    /// OpenPr updates it; <c>b</c> has none, so OpenPr opens one. The plan says so having sent only GETs, on GitHub
    /// and on GitLab alike.
    /// </summary>
    [Theory]
    [InlineData("github")]
    [InlineData("gitlab")]
    public async Task On_the_forge_the_plan_only_reads_and_says_open_or_update_as_the_run_then_does(string forge)
    {
        using var world = new TestWorld();
        foreach (var m in new[] { "a", "b" }) await ThreeModels.WriteModelAsync(world.Root, m);
        var busybox = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync("/bin/busybox")));
        world.SetSection("modelcar", $$"""
            { "destination": "oci-layout", "layoutDir": ".pipeline/oci", "baseImage": "busybox-static",
              "busybox": { "path": "/bin/busybox", "sha256": "{{busybox}}" } }
            """);
        await using var git = await ForgeTestKit.ServeGitOpsAsync(world);
        await using var fake = await StartForgeAsync(world, git, forge);
        foreach (var verb in new[] { "fetch", "train", "validate", "package", "push", "gitops" })
            await Run(world, verb);
        await Run(world, "promote", "--model", "a", "--version", "1");

        // Without the forge's token (a pull request pipeline from a fork) the plan warns and judges by the branches.
        var sent = fake.Requests.Count;
        var guessed = await Modelpipe.RunJsonAsync(world.Root, ["plan"], ForgeTestKit.Env(null, null));
        Assert.Equal(sent, fake.Requests.Count);
        Assert.Equal(("update promote/a-v1", "open promote/b-v1"), (Verdict(guessed, "a"), Verdict(guessed, "b")));
        Assert.Contains("was not asked", Text(Row(guessed, "a"), "data", "promotion", "reason"));

        var plan = await Run(world, "plan");
        var during = fake.Requests.Skip(sent).ToList();
        Assert.NotEmpty(during); // the forge was asked
        Assert.All(during, r => Assert.StartsWith("GET ", r));
        Assert.Equal("update promote/a-v1", Verdict(plan, "a"));
        Assert.Equal("open promote/b-v1", Verdict(plan, "b"));
        Assert.StartsWith(fake.BaseUrl, Text(Row(plan, "a"), "data", "promotion", "url"));

        var pr = await Run(world, "pr");
        Assert.Contains(Text(Row(pr, "a"), "data", "action"), Updated);
        Assert.Equal("created", Text(Row(pr, "b"), "data", "action"));
        Assert.Equal(Text(Row(plan, "a"), "data", "promotion", "url"), Text(Row(pr, "a"), "data", "url"));
    }

    /// <summary>The fake forge of that kind (GitHub or GitLab) on the served GitOps repository, as the forge.</summary>
    private static async Task<FakeServer> StartForgeAsync(TestWorld world, GitHttpServer git, string kind)
    {
        var gitHub = kind == "github";
        var repository = gitHub ? "acme/gitops" : "platform/gitops";
        FakeServer fake = gitHub
            ? await FakeGitHub.StartAsync(repository, git.ServedRepo(), GitHubToken)
            : await FakeGitLab.StartAsync(repository, git.ServedRepo(), GitLabToken);
        world.SetSection("forge", $$"""
            { "kind": "{{kind}}", "apiUrl": "{{fake.BaseUrl}}", "repository": "{{repository}}",
              "tokenEnv": "{{(gitHub ? "MP_TEST_GH_TOKEN" : "MP_TEST_GL_TOKEN")}}" }
            """);
        return fake;
    }

    private static Task<JsonElement[]> Run(TestWorld world, params string[] args) =>
        Modelpipe.RunJsonAsync(world.Root, args, ForgeTestKit.Env(GitHubToken, GitLabToken));

    private static string Verdict(JsonElement[] plan, string model) => string.Join(' ',
        Text(Row(plan, model), "data", "promotion", "action"), Text(Row(plan, model), "data", "promotion", "branch"));

    private static string From(JsonElement move) =>
        move.TryGetProperty("from", out var from) && from.ValueKind != JsonValueKind.Null ? from.ToString() : "(unset)";

    /// <summary>Every folder and file (with its sha256) under a folder.</summary>
    private static string Tree(string dir) => string.Join('\n', Directory
        .EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
        .Select(f => Path.GetRelativePath(dir, f) + (File.Exists(f)
            ? " " + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))) : "/")));
}
