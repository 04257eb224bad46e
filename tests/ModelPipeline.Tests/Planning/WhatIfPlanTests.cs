using System.Security.Cryptography;
using System.Text.Json;
using ModelPipeline.Tests.Ci;
using ModelPipeline.Tests.Forges;
using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;
using static ModelPipeline.Tests.Support.Modelpipe;

namespace ModelPipeline.Tests.Planning;

/// <summary>
/// <c>modelpipe plan</c> on a workspace of twenty published models, two of them changed: it writes nothing (the
/// zoo's and GitOps repository's refs, the OCI layout, the run state and the fake GitHub's request log are as
/// before), and the run that follows does exactly what it said. Real git (GitOps served by git http-backend),
/// a real OCI layout, shell trainers (cheap models); GitHub is the test suite's fake.
/// </summary>
public sealed class WhatIfPlanTests
{
    private const string GitHubToken = "ghp_CANARY_plan_0c4e";
    private static readonly string[] Changed = ["m04", "m13"];

    private static Task<JsonElement[]> Run(TestWorld world, params string[] args) =>
        Modelpipe.RunJsonAsync(world.Root, args, ForgeTestKit.Env(GitHubToken));

    [Fact]
    public async Task A_plan_of_twenty_models_with_two_changed_writes_nothing_and_equals_the_run_that_follows()
    {
        using var world = new TestWorld();
        var models = Enumerable.Range(1, 20).Select(i => $"m{i:00}").ToList();
        foreach (var m in models) await ThreeModels.WriteModelAsync(world.Root, m);
        var busybox = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync("/bin/busybox")));
        world.SetSection("modelcar", $$"""
            { "destination": "oci-layout", "layoutDir": ".pipeline/oci", "baseImage": "busybox-static",
              "busybox": { "path": "/bin/busybox", "sha256": "{{busybox}}" } }
            """);
        await using var git = await ForgeTestKit.ServeGitOpsAsync(world);
        await using var fake = await FakeGitHub.StartAsync("acme/gitops", git.ServedRepo(), GitHubToken);
        world.SetSection("forge", $$"""
            { "kind": "github", "apiUrl": "{{fake.BaseUrl}}", "repository": "acme/gitops",
              "tokenEnv": "MP_TEST_GH_TOKEN", "labels": ["promotion"] }
            """);
        foreach (var verb in new[] { "fetch", "train", "validate", "package", "push", "gitops", "pr" }) await Run(world, verb);
        Assert.Equal(20, fake.PullRequests.Count(p => p.Open));
        ThreeModels.ChangeData(world.Root, Changed);

        // The plan before anything ran: keys, versions, aliases, pins and promotions; images after training.
        var before = await Snapshot.TakeAsync(world, git.ServedRepo(), fake);
        var plan = await Run(world, "plan");
        Assert.Equal(before, await Snapshot.TakeAsync(world, git.ServedRepo(), fake));
        Assert.Equal(20, plan.Length);
        Assert.Equal(Changed, plan.Where(r => Text(r, "result") == "ok").Select(r => Text(r, "model")));
        foreach (var m in Changed)
        {
            var p = Row(plan, m).GetProperty("data");
            Assert.Equal("train", Text(p, "training", "action"));
            Assert.False(p.GetProperty("image").TryGetProperty("digest", out var unknown)
                && unknown.ValueKind != JsonValueKind.Null, "the digest is not known before training");
            Assert.Equal("built after training (size unknown)", Text(p, "image", "note"));
            Assert.Equal("2", Text(p, "zoo", "version"));
            Assert.Equal("True", Text(p, "zoo", "newVersion"));
            Assert.Equal(["latest 1 2", "test 1 2"], p.GetProperty("zoo").GetProperty("aliasMoves").EnumerateArray()
                .Select(a => $"{Text(a, "alias")} {Text(a, "from")} {Text(a, "to")}"));
            Assert.Equal("change", Text(p, "gitOps", "action"));
            Assert.Contains("+model_version: 2", Text(p, "gitOps", "diff"));
            Assert.Equal($"open promote/{m}-v2 promote/{m}-v1", $"{Text(p, "promotion", "action")} "
                + $"{Text(p, "promotion", "branch")} {string.Join(' ', p.GetProperty("promotion").GetProperty("close").EnumerateArray())}");
        }
        foreach (var m in models.Except(Changed)) Assert.Equal("skipped", Text(Row(plan, m), "result"));

        // Trained and validated: the plan now knows each image's digest, size and missing blobs, still writing nothing.
        var train = await Run(world, "fetch");
        train = await Run(world, "train");
        foreach (var m in Changed)
            Assert.Equal(Text(Row(plan, m), "data", "trainingKey"), Text(Row(train, m), "data", "trainingKey"));
        foreach (var m in models.Except(Changed)) Assert.Equal("skipped", Text(Row(train, m), "result"));
        await Run(world, "validate");
        before = await Snapshot.TakeAsync(world, git.ServedRepo(), fake);
        var plan2 = await Run(world, "plan");
        Assert.Equal(before, await Snapshot.TakeAsync(world, git.ServedRepo(), fake));

        var package = await Run(world, "package");
        var layout = world.LayoutDir();
        foreach (var m in Changed)
        {
            var image = Row(plan2, m).GetProperty("data").GetProperty("image");
            Assert.Equal("build", Text(image, "action"));
            Assert.Equal(Text(Row(package, m), "data", "digest"), Text(image, "digest"));
            Assert.Equal(Text(Row(package, m), "data", "sizeBytes"), Text(image, "sizeBytes"));
            var blobs = image.GetProperty("blobs").EnumerateArray().ToList();
            Assert.Contains(blobs, b => !b.GetProperty("present").GetBoolean());
            Assert.Contains(blobs, b => b.GetProperty("present").GetBoolean()); // the busybox base layer
            foreach (var blob in blobs)
                Assert.True(File.Exists(Path.Combine(layout, "blobs", "sha256", Text(blob, "digest")["sha256:".Length..])));
        }
        var push = await Run(world, "push");
        var gitops = await Run(world, "gitops");
        var pr = await Run(world, "pr");
        foreach (var m in Changed)
        {
            var p = Row(plan2, m).GetProperty("data");
            Assert.Equal(Text(p, "zoo", "version"), Text(Row(push, m), "data", "version"));
            Assert.Equal(Text(p, "gitOps", "after"),
                await BareRepo.GitAsync(git.ServedRepo(), "show", $"main:test/{m}/config.yaml"));
            Assert.Equal("created", Text(Row(pr, m), "data", "action"));
            Assert.Equal(Text(p, "promotion", "branch"), Text(Row(pr, m), "data", "branch"));
            Assert.Equal(p.GetProperty("promotion").GetProperty("close").EnumerateArray().Select(b => b.GetString()),
                Row(pr, m).GetProperty("data").GetProperty("superseded").EnumerateArray().Select(s => Text(s, "branch")));
            var aliases = await BareRepo.GitAsync(world.ZooRepo(), "show", $"main:models/{m}/aliases.json");
            Assert.Contains("\"test\": 2", aliases);
            Assert.Contains("\"latest\": 2", aliases);
        }
        foreach (var m in models.Except(Changed))
        {
            Assert.Equal("skipped", Text(Row(gitops, m), "result"));
            Assert.Equal("pin-unchanged", Text(Row(pr, m), "data", "action"));
        }
    }

    /// <summary>What a plan must leave as it was: refs of the zoo and GitOps remotes, the OCI layout, the run state, the forge.</summary>
    private sealed record Snapshot(string Zoo, string GitOps, string Layout, string State, int ForgeWrites)
    {
        public static async Task<Snapshot> TakeAsync(TestWorld world, string gitops, FakeGitHub forge) => new(
            await BareRepo.GitAsync(world.ZooRepo(), "for-each-ref"),
            await BareRepo.GitAsync(gitops, "for-each-ref"),
            Tree(world.LayoutDir()),
            Tree(world.ArtifactsDir),
            forge.Writes.Count);

        /// <summary>Every file's path and sha256 under a folder.</summary>
        private static string Tree(string dir) => string.Join('\n', Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(dir, f)} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))}"));
    }
}
