using System.Collections.Concurrent;
using ModelPipeline.Forges;
using ModelPipeline.Progress;
using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Forges;

/// <summary>Shared pieces of the forge tests: a bare repo with branches, a recording reporter, secret scans.</summary>
internal static class ForgeTestKit
{
    public const string GitOpsCanary = "gitops-CANARY-91c2d7e4aa";

    /// <summary>
    /// The environment of a run against the fake forges and the served GitOps repository: each token in its
    /// variable (null: unset) and no SOURCE_DATE_EPOCH, so an image's created time comes from the model's commit.
    /// </summary>
    public static Dictionary<string, string?> Env(string? gitHubToken, string? gitLabToken = null) => new()
    {
        ["MP_TEST_GH_TOKEN"] = gitHubToken,
        ["MP_TEST_GL_TOKEN"] = gitLabToken,
        ["MP_TEST_GITOPS_TOKEN"] = GitOpsCanary,
        ["SOURCE_DATE_EPOCH"] = null,
    };

    /// <summary>
    /// Serves the world's GitOps repository over git smart HTTP (real <c>git http-backend</c>, token
    /// required) and points gitops.repository at it; the token travels in MP_TEST_GITOPS_TOKEN.
    /// </summary>
    public static async Task<GitHttpServer> ServeGitOpsAsync(TestWorld world)
    {
        var server = await GitHttpServer.StartAsync(Path.Combine(world.Root, "served"), GitOpsCanary);
        await server.CreateRepoAsync("gitops.git");
        world.SetSection("gitops", $$"""{ "repository": "{{server.Url("gitops.git")}}", "tokenEnv": "MP_TEST_GITOPS_TOKEN" }""");
        return server;
    }

    public static string ServedRepo(this GitHttpServer server) => Path.Combine(server.ProjectRoot, "gitops.git");

    /// <summary>A bare repository with a main branch and the given extra branches (each one commit ahead).</summary>
    public static async Task<string> BareRepoWithBranches(TestWorld world, params string[] branches)
    {
        var bare = Path.Combine(world.Root, "remote.git");
        var work = Path.Combine(world.Root, "work");
        await BareRepo.GitAsync(world.Root, "init", "--bare", "--quiet", "--initial-branch=main", bare);
        await BareRepo.GitAsync(world.Root, "init", "--quiet", "--initial-branch=main", work);
        await File.WriteAllTextAsync(Path.Combine(work, "README"), "gitops\n");
        await BareRepo.GitAsync(work, "add", "README");
        await BareRepo.GitAsync(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "init");
        await BareRepo.GitAsync(work, "push", "--quiet", bare, "HEAD:refs/heads/main");
        foreach (var branch in branches)
        {
            await BareRepo.GitAsync(work, "checkout", "--quiet", "-B", branch, "main");
            await File.WriteAllTextAsync(Path.Combine(work, "change"), branch);
            await BareRepo.GitAsync(work, "add", "change");
            await BareRepo.GitAsync(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", branch);
            await BareRepo.GitAsync(work, "push", "--quiet", bare, $"HEAD:refs/heads/{branch}");
        }
        return bare;
    }

    public static PullRequestSpec Spec(string head, string stateDir, string body = "body") => new()
    {
        Model = "iris",
        Head = head,
        Base = "main",
        Title = $"Promote {head}",
        Body = body,
        Labels = ["promotion"],
        Reviewers = ["alice"],
        StateDir = stateDir,
    };

    /// <summary>Asserts that a secret appears in no output and no file under the world.</summary>
    public static void AssertNowhere(string secret, TestWorld world, params string[] outputs)
    {
        foreach (var output in outputs) Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(world.Root, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            Assert.False(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(secret)) >= 0, $"the secret was written to {file}");
        }
    }
}

/// <summary>Keeps every warning and info line the library reports.</summary>
internal sealed class RecordingReporter : IPipelineReporter
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public void Info(string? model, string message) => Lines.Enqueue("info: " + message);

    public void Warning(string? model, string message) => Lines.Enqueue("warning: " + message);

    public void Output(string? model, string line) => Lines.Enqueue(line);

    public ITransferProgress StartTransfer(string? model, string description, long? totalBytes) => NullReporter.Instance.StartTransfer(model, description, totalBytes);
}
