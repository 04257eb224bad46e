using ModelPipeline.Tests.Forges;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.SameEverywhere;

/// <summary>
/// Published state is the cache: CI runners are fresh clones sharing one zoo, registry, GitOps
/// repository and GitHub. A key published by one is reused by the next, which trains nothing,
/// uploads nothing and changes nothing.
/// </summary>
public sealed class FreshClonePublishTests
{
    private const string GitHubToken = "ghp_SAMEEVERYWHERE_1";
    private static readonly string[] Labels = ["promotion"];

    [RegistryFact]
    public async Task A_second_fresh_clone_of_the_same_commit_reuses_the_published_version_and_changes_nothing()
    {
        using var world = new TestWorld();
        await using var registry = await LocalRegistry.StartAsync();
        await using var proxy = await FaultProxy.StartAsync(registry.Host);
        var baseImage = (await BusyboxBase.PushAsync(registry)).Replace(registry.Host, proxy.Host, StringComparison.Ordinal);
        await using var git = await GitHttpServer.StartAsync(Path.Combine(world.Root, "served"), ForgeTestKit.GitOpsCanary);
        await git.CreateRepoAsync("gitops.git");
        await using var github = await FakeGitHub.StartAsync("acme/gitops", Path.Combine(git.ProjectRoot, "gitops.git"), GitHubToken);
        var clones = new Clones(world);
        var zoo = await BareRepo.CreateAsync(clones.Shared("zoo.git"));
        await clones.CreateSourceAsync(new
        {
            zoo = new { url = zoo, mirrors = Array.Empty<object>() },
            modelcar = new { destination = "registry", repository = $"{proxy.Host}/modelzoo", baseImage },
            gitops = new { repository = git.Url("gitops.git"), tokenEnv = "MP_TEST_GITOPS_TOKEN" },
            forge = new { kind = "github", apiUrl = github.BaseUrl, repository = "acme/gitops", tokenEnv = "MP_TEST_GH_TOKEN", labels = Labels },
        }, Clones.RandomTrainer);
        var env = ForgeTestKit.Env(GitHubToken);

        var first = await clones.CloneAsync("runner-1");
        await Clones.RunAsync(first, env, Clones.Publish);
        var digest = Clones.Run(first, "package").GetProperty("digest").GetString()!;
        var zooCommits = await BareRepo.CommitCountAsync(zoo);
        var gitopsRefs = await BareRepo.GitAsync(Path.Combine(git.ProjectRoot, "gitops.git"), "show-ref");
        var pr = Assert.Single(github.PullRequests);
        var (title, body) = (pr.Title, pr.Body);
        var uploaded = proxy.UploadedBlobBytes;
        var githubCalls = github.Requests.Count;

        var second = await clones.CloneAsync("runner-2");
        var output = await Clones.RunAsync(second, env, Clones.Publish);

        Assert.Contains("reused v1", output, StringComparison.Ordinal);
        Assert.Equal(1, Clones.Run(second, "train").GetProperty("reusedVersion").GetInt32());
        Assert.False(Directory.Exists(Path.Combine(second, "artifacts", "demo", "runs", Clones.Run(second, "train").GetProperty("trainingKey").GetString()!, "output")));
        Assert.Equal(digest, Clones.Run(second, "package").GetProperty("digest").GetString());
        Assert.Equal(digest, Clones.Run(second, "gitops").GetProperty("digest").GetString());
        Assert.Equal(uploaded, proxy.UploadedBlobBytes);
        Assert.Equal(zooCommits, await BareRepo.CommitCountAsync(zoo));
        Assert.Equal(gitopsRefs, await BareRepo.GitAsync(Path.Combine(git.ProjectRoot, "gitops.git"), "show-ref"));
        pr = Assert.Single(github.PullRequests);
        Assert.Equal((title, body, 0), (pr.Title, pr.Body, pr.Updates));
        // The test pin did not change, so nothing is pending promotion and GitHub is not called at all.
        var calls = github.Requests.Skip(githubCalls).ToList();
        Assert.True(calls.Count == 0, string.Join('\n', calls));

        // A deliberate retrain is a reproducibility check: it says which files differ and publishes nothing.
        var retrain = await Modelpipe.RunAsync(second, ["train", "--retrain", "--json"], env);
        Assert.True(retrain.ExitCode == 0, retrain.All);
        Assert.Contains("\"result\": \"warning\"", retrain.StdOut, StringComparison.Ordinal);
        Assert.Contains("model.onnx: sha256", retrain.All, StringComparison.Ordinal);
        Assert.DoesNotContain("metrics.json: sha256", retrain.All, StringComparison.Ordinal);
        Assert.Equal(zooCommits, await BareRepo.CommitCountAsync(zoo));
        Assert.Equal(digest, Clones.Run(second, "package").GetProperty("digest").GetString());

        var verify = await Modelpipe.RunAsync(second, ["models", "verify"], env);
        Assert.True(verify.ExitCode == 0, verify.All);
        Assert.Contains("image tags and GitOps pins agree with it", verify.All, StringComparison.Ordinal);
    }
}
