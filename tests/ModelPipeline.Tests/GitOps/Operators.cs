using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.GitOps;

/// <summary>What release managers and on-call engineers do by hand in the tests: run verbs as a named person, edit the GitOps repository.</summary>
internal static class Operators
{
    /// <summary>The operator the freeze and merge verbs record (a CI user variable, so no git config is read).</summary>
    public static readonly IReadOnlyDictionary<string, string?> Jane = new Dictionary<string, string?>
    {
        ["GITLAB_USER_NAME"] = "Jane Ops",
        ["GITLAB_USER_EMAIL"] = "jane@example.com",
    };

    public static async Task<Modelpipe.Result> RunOkAsync(TestWorld world, params string[] args)
    {
        var run = await Modelpipe.RunAsync(world.Root, args, Jane);
        Assert.True(run.ExitCode == 0, run.All);
        return run;
    }

    public static Task<Modelpipe.Result> RunAsync(TestWorld world, params string[] args) => Modelpipe.RunAsync(world.Root, args, Jane);

    /// <summary>Publishes <paramref name="version"/> of iris and pins test to it (UpdateGitOps).</summary>
    public static async Task DeployAsync(TestWorld world, int version)
    {
        await world.PublishAsync("iris", version);
        await RunOkAsync(world, "gitops", "--model", "iris");
    }

    /// <summary>Deploys <paramref name="version"/> of iris to test, then promotes it and merges the pull request on
    /// the local forge (<c>pr merge</c>): it runs in prod and the zoo's prod alias names it.</summary>
    public static async Task DeployToProdAsync(TestWorld world, int version)
    {
        await DeployAsync(world, version);
        await RunOkAsync(world, "pr", "--model", "iris");
        await RunOkAsync(world, "pr", "merge", "iris");
    }

    /// <summary>Commits a change to one file of the GitOps repository's main branch by hand, as a person would.</summary>
    public static async Task EditByHandAsync(TestWorld world, string path, string? content, string message)
    {
        var clone = Path.Combine(world.Root, "hand-" + Guid.NewGuid().ToString("N")[..8]);
        await BareRepo.GitAsync(world.Root, "clone", "--quiet", world.GitOpsRepo(), clone);
        var full = Path.Combine(clone, path);
        if (content is null) File.Delete(full);
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content);
        }
        await BareRepo.GitAsync(clone, "add", "--all");
        await BareRepo.GitAsync(clone, "-c", "user.name=Sam Oncall", "-c", "user.email=sam@example.com", "commit", "--quiet", "-m", message);
        await BareRepo.GitAsync(clone, "push", "--quiet", "origin", "HEAD:main");
    }

    /// <summary>A manual merge of a promotion: main moves to the branch, which stays (as after a fast-forward merge on a forge).</summary>
    public static Task MergeByHandAsync(TestWorld world, string branch) =>
        BareRepo.GitAsync(world.GitOpsRepo(), "update-ref", "refs/heads/main", $"refs/heads/{branch}");

    public static Task<string> TestConfigAsync(TestWorld world) => BareRepo.ShowAsync(world.GitOpsRepo(), "test/iris/config.yaml");

    public static async Task<string?> ShowOrNullAsync(TestWorld world, string path, string branch = "main")
    {
        try { return await BareRepo.ShowAsync(world.GitOpsRepo(), path, branch); }
        catch (InvalidOperationException) { return null; }
    }

    public static string PromotionDir(TestWorld world, int version) => Path.Combine(world.ArtifactsDir, "iris", "promotions", $"v{version}");
}
