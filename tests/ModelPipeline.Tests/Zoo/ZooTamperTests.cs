using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Zoo;

/// <summary>
/// Tamper evidence: a published version never changes. A forced push that rewrites a version, or a
/// later commit that edits one, is refused by models verify, pull, resolve and PushMirrors (exit 1,
/// naming the version and the commit), and never reaches the mirror.
/// </summary>
public sealed class ZooTamperTests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    private string Primary => Path.Combine(_world.Root, ".pipeline", "zoo.git");

    private string Mirror => Path.Combine(_world.Root, ".pipeline", "zoo-mirror.git");

    private async Task PushOkAsync()
    {
        var push = await Modelpipe.RunAsync(_world.Root, "push");
        Assert.True(push.ExitCode == 0, push.All);
    }

    /// <summary>A clone of the primary to play the attacker or a careless operator in.</summary>
    private async Task<string> CloneAsync()
    {
        var work = Path.Combine(_world.Root, "attacker");
        await BareRepo.GitAsync(_world.Root, "clone", "--quiet", Primary, work);
        return work;
    }

    private static Task<string> CommitAsync(string work, string message) =>
        BareRepo.GitAsync(work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-am", message);

    [Fact]
    public async Task A_forced_push_of_a_rewritten_version_is_refused_by_verify_pull_resolve_and_PushMirrors()
    {
        await _world.SeedPackagedAsync(variant: 1);
        await PushOkAsync();
        await _world.SeedPackagedAsync(model: "other", variant: 1);
        await PushOkAsync();
        await _world.SeedPackagedAsync(variant: 2);
        await PushOkAsync();
        var seen = await BareRepo.TipAsync(Primary);
        Assert.Equal(seen, await BareRepo.TipAsync(Mirror));

        // Copy another model's manifest over demo/v1 on HEAD~2 and force-push it.
        var work = await CloneAsync();
        var foreign = await BareRepo.GitAsync(work, "show", "HEAD:models/other/v1/manifest.json");
        await BareRepo.GitAsync(work, "checkout", "--quiet", "-B", "main", "HEAD~2");
        File.WriteAllText(Path.Combine(work, "models", "demo", "v1", "manifest.json"), foreign);
        await CommitAsync(work, "rewrite demo v1");
        await BareRepo.GitAsync(work, "push", "--quiet", "--force", "origin", "main");
        var rewritten = (await BareRepo.TipAsync(Primary))!;

        var verify = await Modelpipe.RunAsync(_world.Root, "models", "verify");
        var pull = await Modelpipe.RunAsync(_world.Root, "pull", "demo@v1", "--to", Path.Combine(_world.Root, "pulled"));
        var resolve = await Modelpipe.RunAsync(_world.Root, "models", "resolve", "demo@v1");
        await _world.SeedPackagedAsync(variant: 3);
        var push = await Modelpipe.RunAsync(_world.Root, "push");

        foreach (var run in new[] { verify, pull, resolve, push })
        {
            Assert.True(run.ExitCode == 1, run.All);
            Assert.Contains($"its tip {rewritten} does not descend from commit {seen}", run.All, StringComparison.Ordinal);
            Assert.Contains("Published versions that differ: models/demo/v1", run.All, StringComparison.Ordinal);
            Assert.Contains("Fix:", run.All, StringComparison.Ordinal);
        }
        Assert.False(Directory.Exists(Path.Combine(_world.Root, "pulled")));
        Assert.Equal(rewritten, await BareRepo.TipAsync(Primary));
        Assert.Equal(seen, await BareRepo.TipAsync(Mirror));

        // A consumer that never read this zoo has no commit to compare with: the ledger catches the version.
        using var fresh = new TestWorld();
        var freshVerify = await Modelpipe.RunAsync(fresh.Root, "models", "verify", "--zoo", Primary);
        var freshResolve = await Modelpipe.RunAsync(fresh.Root, "models", "resolve", "demo@v1", "--zoo", Primary);
        Assert.Equal(1, freshVerify.ExitCode);
        Assert.Contains($"at commit {rewritten} is inconsistent", freshVerify.All, StringComparison.Ordinal);
        Assert.Contains("models/demo/v1/manifest.json differs from the ledger's record", freshVerify.All, StringComparison.Ordinal);
        Assert.Equal(1, freshResolve.ExitCode);
        Assert.Contains($"demo v1 at zoo commit {rewritten} is not what was published", freshResolve.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edit_of_a_published_metrics_json_is_caught_by_verify_and_PushMirrors_and_never_mirrored()
    {
        await _world.SeedPackagedAsync(variant: 1);
        await PushOkAsync();
        await _world.SeedPackagedAsync(variant: 2);
        await PushOkAsync();
        var published = await BareRepo.TipAsync(Primary);
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "models", "verify")).ExitCode);

        var work = await CloneAsync();
        File.WriteAllText(Path.Combine(work, "models", "demo", "v1", "metrics.json"), "{\n  \"accuracy\": 0.99\n}\n");
        await CommitAsync(work, "better numbers");
        await BareRepo.GitAsync(work, "push", "--quiet", "origin", "main");
        var edit = (await BareRepo.TipAsync(Primary))!;

        var verify = await Modelpipe.RunAsync(_world.Root, "models", "verify");
        await _world.SeedPackagedAsync(variant: 3);
        var push = await Modelpipe.RunAsync(_world.Root, "push");

        Assert.Equal(1, verify.ExitCode);
        Assert.Contains($"models/demo/v1/metrics.json changed in commit {edit}", verify.All, StringComparison.Ordinal);
        Assert.Equal(1, push.ExitCode);
        Assert.Contains($"the zoo {Primary} at commit {edit} changed what was published after commit {published}", push.All, StringComparison.Ordinal);
        Assert.Contains($"models/demo/v1/metrics.json changed in commit {edit}", push.All, StringComparison.Ordinal);
        Assert.Equal(edit, await BareRepo.TipAsync(Primary));
        Assert.Equal(published, await BareRepo.TipAsync(Mirror));

        // The full check needs no remembered commit: a fresh consumer's verify finds it through the ledger.
        using var fresh = new TestWorld();
        var freshVerify = await Modelpipe.RunAsync(fresh.Root, "models", "verify", "--zoo", Primary);
        Assert.Equal(1, freshVerify.ExitCode);
        Assert.Contains("models/demo/v1/metrics.json differs from the ledger's record", freshVerify.All, StringComparison.Ordinal);

        // Reverting the edit restores what was published: accepted again.
        await BareRepo.GitAsync(work, "-c", "user.name=t", "-c", "user.email=t@example.com", "revert", "--no-edit", "HEAD");
        await BareRepo.GitAsync(work, "push", "--quiet", "origin", "main");
        var again = await Modelpipe.RunAsync(_world.Root, "push");
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "models", "verify")).ExitCode);
    }

    [Fact]
    public async Task Each_publish_extends_the_models_ledger_a_hash_chain_of_its_versions_files()
    {
        await _world.SeedPackagedAsync(variant: 1);
        await PushOkAsync();
        await _world.SeedPackagedAsync(variant: 2);
        await PushOkAsync();

        var lines = (await BareRepo.ShowAsync(Primary, "models/demo/ledger.jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var entries = lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();

        Assert.Equal([1, 2], entries.Select(e => e.GetProperty("version").GetInt32()));
        Assert.False(entries[0].TryGetProperty("previous", out _));
        Assert.Equal(entries[0].GetProperty("hash").GetString(), entries[1].GetProperty("previous").GetString());
        var metrics = await BareRepo.ShowAsync(Primary, "models/demo/v2/metrics.json");
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(metrics)));
        Assert.Equal(sha, entries[1].GetProperty("files").GetProperty("metrics.json").GetString());
        Assert.Contains("files/model.onnx", entries[1].GetProperty("files").EnumerateObject().Select(p => p.Name));

        // The workspace remembers the commit it accepted and the versions it hashed (not hashed again while it holds).
        Assert.Equal(0, (await Modelpipe.RunAsync(_world.Root, "models", "resolve", "demo@v1")).ExitCode);
        var seen = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Directory.GetFiles(Path.Combine(_world.Root, ".pipeline"), "zoo-seen-*.json").Single())).RootElement;
        Assert.Equal(await BareRepo.TipAsync(Primary), seen.GetProperty("commit").GetString());
        Assert.Equal(entries[0].GetProperty("hash").GetString(), seen.GetProperty("verified").GetProperty("demo/v1").GetString());
    }

    [Fact]
    public async Task A_mirror_at_another_commit_than_the_primary_is_a_warning_naming_both_commits()
    {
        await _world.SeedPackagedAsync(variant: 1);
        await PushOkAsync();
        var primary = (await BareRepo.TipAsync(Primary))!;
        // Someone commits straight to the mirror: it now holds a descendant of the primary's commit.
        var work = Path.Combine(_world.Root, "mirror-work");
        await BareRepo.GitAsync(_world.Root, "clone", "--quiet", Mirror, work);
        File.WriteAllText(Path.Combine(work, "NOTE.md"), "written on the mirror\n");
        await BareRepo.GitAsync(work, "add", "NOTE.md");
        await CommitAsync(work, "mirror only");
        await BareRepo.GitAsync(work, "push", "--quiet", "origin", "main");
        var mirror = (await BareRepo.TipAsync(Mirror))!;

        var push = await Modelpipe.RunAsync(_world.Root, "push");

        Assert.True(push.ExitCode == 0, push.All);
        Assert.Contains($"mirror local-mirror ({Mirror}) differs from the primary", push.All, StringComparison.Ordinal);
        Assert.Contains($"it holds {mirror}, the primary holds {primary}", push.All, StringComparison.Ordinal);
        Assert.Contains($"mirror(s) differ: local-mirror at {mirror[..12]}, primary at {primary[..12]}", push.All, StringComparison.Ordinal);
        Assert.DoesNotContain("1 mirror(s) ok", push.All, StringComparison.Ordinal);
        var key = new ModelPipeline.RunState.RunStateStore(_world.ArtifactsDir).CurrentKey("demo")!;
        var zoo = _world.ReadRun<ModelPipeline.Zoo.ZooRecord>("demo", key, "zoo");
        Assert.False(zoo.Mirrors.Single().Matches);
        Assert.Equal(mirror, zoo.Mirrors.Single().Commit);
        Assert.Equal(primary, zoo.Mirrors.Single().PrimaryCommit);
    }
}
