using ModelPipeline.GitOps;
using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Notifications;

/// <summary>
/// <c>promotion.merged</c> for a promotion merged outside modelpipe (a GitHub or GitLab merge, here a real git
/// merge commit with the message GitHub writes): SyncAliases on the GitOps main branch tells it once, however
/// often it runs, and <c>pr merge</c> on the local forge tells it once too. Two merges synced in one run are
/// told once each, with their own merge commits. A receiver on 127.0.0.1 checks signatures; real git for the zoo
/// and the GitOps repository.
/// </summary>
public sealed class MergeWebhookTests
{
    private const string Secret = "merge-hook-secret-2b7f90";
    private static readonly string[] Merged = ["promotion.merged"];

    private static Dictionary<string, string?> Env() => new(Operators.Jane)
    {
        [WebhookWorld.SecretVariable] = Secret,
    };

    private static async Task<Modelpipe.Result> RunOkAsync(TestWorld world, params string[] args)
    {
        var run = await Modelpipe.RunAsync(world.Root, args, Env());
        Assert.True(run.ExitCode == 0, run.All);
        return run;
    }

    private static void Hook(TestWorld world, WebhookReceiver receiver) => world.SetSection("notifications", $$"""
        { "webhooks": [ { "name": "ops", "url": "{{receiver.Url}}", "secretEnv": "{{WebhookWorld.SecretVariable}}",
                          "events": ["promotion.merged"] } ] }
        """);

    /// <summary>iris v1 in test, its promotion opened; <c>promotion.merged</c> goes to the receiver.</summary>
    private static async Task OpenPromotionAsync(TestWorld world, WebhookReceiver receiver)
    {
        Hook(world, receiver);
        await Operators.DeployAsync(world, 1);
        await RunOkAsync(world, "pr", "--model", "iris");
    }

    [Fact]
    public async Task A_promotion_merged_on_the_forge_is_told_once_by_sync_aliases_with_its_request_and_commit()
    {
        using var world = new TestWorld();
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        await OpenPromotionAsync(world, receiver);
        var merge = await MergeAsGitHubDoesAsync(world, "promote/iris-v1", 12);

        var sync = await RunOkAsync(world, "sync-aliases");
        await RunOkAsync(world, "sync-aliases"); // nothing moves: nothing is told again

        Assert.Contains("\"prod\": 1", await BareRepo.ShowAsync(world.ZooRepo(), "models/iris/aliases.json"));
        var d = Assert.Single(receiver.Received);
        Assert.True(d.SignatureValid, sync.All);
        await WebhookWorld.AssertMatchesSchemaAsync(d.Body);
        Assert.Equal(("promotion.merged", "iris", 1, "prod", 12, merge), (d.Event,
            d.Json.GetProperty("model").GetString(),
            d.Json.GetProperty("version").GetInt32(), d.Json.GetProperty("environment").GetString(),
            d.Json.GetProperty("number").GetInt32(), d.Json.GetProperty("commit").GetString()));
        Assert.Equal(AliasSync.MergeDeliveryId("iris", merge), d.Id);
        Assert.Contains("merged by Octo Cat <octo@example.com> (#12", d.Json.GetProperty("summary").GetString());
        var log = Path.Combine(world.ArtifactsDir, "notifications", "deliveries.jsonl");
        var logged = Assert.Single(WebhookWorld.Log(log));
        Assert.Equal((d.Id, "delivered"), (logged.Id, logged.Result));
    }

    [Fact]
    public async Task Pr_merge_on_the_local_forge_tells_promotion_merged_once_although_it_syncs_the_aliases_too()
    {
        using var world = new TestWorld();
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        await OpenPromotionAsync(world, receiver);

        await RunOkAsync(world, "pr", "merge", "iris");
        await RunOkAsync(world, "sync-aliases");

        var d = Assert.Single(receiver.Received);
        var tip = (await BareRepo.GitAsync(world.GitOpsRepo(), "rev-parse", "main")).Trim();
        Assert.Equal((Merged[0], tip, AliasSync.MergeDeliveryId("iris", tip)),
            (d.Event, d.Json.GetProperty("commit").GetString(), d.Id));
    }

    [Fact]
    public async Task Two_promotions_merged_on_the_forge_are_told_by_one_sync_aliases_each_with_its_merge_commit()
    {
        using var world = new TestWorld();
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        Hook(world, receiver);
        Incremental.TouchOnlyWhatChangedTests.CopyIrisAs(world, "other");
        await world.PublishAsync("iris", 1);
        await world.PublishAsync("other", 1);
        await RunOkAsync(world, "gitops");
        await RunOkAsync(world, "pr");
        var iris = await MergeAsGitHubDoesAsync(world, "promote/iris-v1", 12);
        var other = await MergeAsGitHubDoesAsync(world, "promote/other-v1", 13);

        var sync = await RunOkAsync(world, "sync-aliases");

        var told = receiver.Received.OrderBy(d => d.Json.GetProperty("model").GetString()).ToList();
        Assert.All(told, d => Assert.True(d.SignatureValid, sync.All));
        Assert.Equal([("iris", 12, iris, AliasSync.MergeDeliveryId("iris", iris)),
            ("other", 13, other, AliasSync.MergeDeliveryId("other", other))], told.Select(d =>
            (d.Json.GetProperty("model").GetString(), d.Json.GetProperty("number").GetInt32(),
                d.Json.GetProperty("commit").GetString(), d.Id)));
    }

    /// <summary>A merge commit on main as GitHub's merge button makes it ("Merge pull request #N from …").</summary>
    private static async Task<string> MergeAsGitHubDoesAsync(TestWorld world, string branch, int number)
    {
        var clone = Path.Combine(world.Root, "merge-" + Guid.NewGuid().ToString("N")[..8]);
        await BareRepo.GitAsync(world.Root, "clone", "--quiet", world.GitOpsRepo(), clone);
        await BareRepo.GitAsync(clone, "-c", "user.name=Octo Cat", "-c", "user.email=octo@example.com", "merge",
            "--no-ff", "--quiet", "-m", $"Merge pull request #{number} from acme/{branch}", $"origin/{branch}");
        await BareRepo.GitAsync(clone, "push", "--quiet", "origin", "HEAD:main");
        return (await BareRepo.GitAsync(clone, "rev-parse", "HEAD")).Trim();
    }
}
