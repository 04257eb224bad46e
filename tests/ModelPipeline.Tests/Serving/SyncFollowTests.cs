using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Serving;

/// <summary>
/// A serving host follows the zoo and only the zoo as published: each daemon pass fetches, a
/// rewritten zoo is refused, the hook sees no secret, and a pass killed mid-checkout is recovered.
/// </summary>
public sealed class SyncFollowTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly ServingWorld _w = new();

    public void Dispose() => _w.Dispose();

    private int DaemonPasses() =>
        File.Exists(_w.StatusPath) && _w.Status().TryGetProperty("daemon", out var d) && d.TryGetProperty("passes", out var p) ? p.GetInt32() : 0;

    private async Task<string> EditZooAsync()
    {
        var work = Path.Combine(_w.Root, "zoo-edit");
        await BareRepo.GitAsync(_w.Root, "clone", "--quiet", _w.ZooBare, work);
        return work;
    }

    private static Task<string> CommitAsync(string work, string message) =>
        BareRepo.GitAsync(work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-am", message);

    [Fact]
    public async Task A_forced_push_of_a_rewritten_version_is_refused_by_a_host_that_saw_the_zoo_and_by_a_new_one()
    {
        var v1 = await _w.PublishAsync(1);
        await _w.PublishAsync(2);
        await _w.AliasAsync("prod", 2);
        _w.WriteSync("demo@v1");
        var first = await _w.SyncAsync();
        Assert.True(first.ExitCode == 0, first.All);
        var seen = await BareRepo.TipAsync(_w.ZooBare);

        // v2's manifest copied over v1 on the commit that published v1 (v2 and the alias move dropped),
        // force-pushed: v1 would now name v2's image.
        var work = await EditZooAsync();
        var other = await BareRepo.GitAsync(work, "show", "HEAD:models/demo/v2/manifest.json");
        var published = (await BareRepo.GitAsync(work, "log", "--diff-filter=A", "--format=%H", "--",
            "models/demo/v1/manifest.json")).Trim();
        await BareRepo.GitAsync(work, "checkout", "--quiet", "-B", "main", published);
        File.WriteAllText(Path.Combine(work, "models", "demo", "v1", "manifest.json"), other.Replace("\"version\": 2", "\"version\": 1", StringComparison.Ordinal));
        await CommitAsync(work, "rewrite v1");
        await BareRepo.GitAsync(work, "push", "--quiet", "--force", "origin", "main");
        var rewritten = await BareRepo.TipAsync(_w.ZooBare);

        var known = await _w.SyncAsync();

        Assert.Equal(1, known.ExitCode);
        Assert.Contains($"demo@v1: the zoo {_w.ZooBare} was refused; the zoo {_w.ZooBare} was rewritten: its tip {rewritten} does not descend from commit {seen}", known.All, StringComparison.Ordinal);
        Assert.Contains("Published versions that differ: models/demo/v1, models/demo/v2", known.All, StringComparison.Ordinal);
        Assert.Contains($"demo still serves {ServingWorld.VersionName(1, v1)}", known.All, StringComparison.Ordinal);
        _w.AssertServes(1, v1);

        // A host that never read the zoo has nothing to compare with; v1 no longer matches its ledger entry.
        _w.WriteSync("demo@v1", extra: new Dictionary<string, object> { ["root"] = "fresh" });
        var fresh = await _w.SyncAsync();

        Assert.Equal(1, fresh.ExitCode);
        Assert.Contains($"demo v1 at zoo commit {rewritten} is not what was published", fresh.All, StringComparison.Ordinal);
        Assert.Contains("models/demo/v1/manifest.json differs from the ledger's record", fresh.All, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_w.Root, "fresh", "demo", "current")));
    }

    [Fact]
    public async Task The_daemon_fetches_on_every_pass_and_serves_the_new_prod_within_two_passes()
    {
        var v1 = await _w.PublishAsync(1);
        var v2 = await _w.PublishAsync(2);
        await _w.AliasAsync("prod", 1);
        _w.WriteSync("demo@prod", extra: new Dictionary<string, object> { ["schedule"] = new { cron = "*/2 * * * * *", timeZone = "UTC" } });
        using var daemon = DaemonProcess.Start(_w.Root, ["sync", "--file", _w.SyncPath, "--daemon"]);
        await daemon.UntilAsync(() => _w.Current == ServingWorld.VersionName(1, v1), Patience, "v1 to be served");

        await _w.AliasAsync("prod", 2);
        var passes = DaemonPasses();
        // A pass that was already running may have fetched before the alias moved; the one after it has not.
        await daemon.UntilAsync(() => DaemonPasses() >= passes + 2, Patience, "two more passes");

        _w.AssertServes(2, v2);
        daemon.Terminate();
        Assert.True(await daemon.WaitAsync(Patience) == 0, daemon.Output);
    }

    [Fact]
    public async Task The_hook_gets_an_allow_listed_environment_without_any_secret_of_the_sync_process()
    {
        await _w.PublishAsync(1);
        string[] canaries =
        [
            "GITHUB_TOKEN", "GH_TOKEN", "CI_JOB_TOKEN", "GITLAB_TOKEN", "CI_REGISTRY_PASSWORD", "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AZURE_CLIENT_SECRET", "GOOGLE_APPLICATION_CREDENTIALS",
            "DOCKER_AUTH_CONFIG", "REGISTRY_PASSWORD", "ZOO_TOKEN", "MODELPIPE_SIGNING_KEY", "MODELPIPE_SIGNING_PASSWORD",
            "RUNPOD_API_KEY", "KFP_TOKEN", "HF_TOKEN", "NPM_TOKEN", "VAULT_TOKEN", "SSH_AUTH_SOCK", "KUBECONFIG",
            "MY_APP_DATABASE_PASSWORD",
        ];
        var values = canaries.ToDictionary(c => c, c => $"canary-{c}-{Guid.NewGuid():N}");
        foreach (var (name, value) in values) _w.Env[name] = value;
        _w.Env["LC_TIME"] = "C";
        var dump = Path.Combine(_w.Root, "hook.env");
        _w.WriteSync("demo@v1", extra: new Dictionary<string, object>
        {
            ["hook"] = new { command = new[] { "sh", "-c", $"env > '{dump}'" } },
        });

        var result = await _w.SyncAsync();

        Assert.True(result.ExitCode == 0, result.All);
        var env = File.ReadAllText(dump);
        foreach (var (name, value) in values)
        {
            Assert.DoesNotContain(value, env, StringComparison.Ordinal);
            Assert.DoesNotContain($"{name}=", env, StringComparison.Ordinal);
        }
        Assert.Contains("MODELPIPE_SYNC_MODEL=demo", env, StringComparison.Ordinal);
        Assert.Contains("MODELPIPE_SYNC_VERSION=1", env, StringComparison.Ordinal);
        Assert.Contains("PATH=", env, StringComparison.Ordinal);
        Assert.Contains("LC_TIME=C", env, StringComparison.Ordinal);
        Assert.DoesNotContain("DOTNET_", env, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pass_killed_during_the_zoo_checkout_leaves_index_lock_and_the_next_pass_recovers_and_switches()
    {
        var v1 = await _w.PublishAsync(1);
        _w.WriteSync("demo@latest");
        Assert.Equal(0, (await _w.SyncAsync()).ExitCode);

        // A smudge filter (defined only for the pass below) holds git in the middle of checking out v2.
        var work = await EditZooAsync();
        File.WriteAllText(Path.Combine(work, ".gitattributes"), "models/demo/v2/** filter=hold\n");
        await BareRepo.GitAsync(work, "add", ".gitattributes");
        await CommitAsync(work, "attributes");
        await BareRepo.GitAsync(work, "push", "--quiet", "origin", "main");
        var v2 = await _w.PublishAsync(2);
        var marker = Path.Combine(_w.Root, "checkout-started");
        var filter = Path.Combine(_w.Root, "hold.sh");
        File.WriteAllText(filter, $"#!/bin/sh\ntouch '{marker}'\nexec sleep 600\n");
        var gitConfig = Path.Combine(_w.Root, "held.gitconfig");
        File.WriteAllText(gitConfig, $"[filter \"hold\"]\n\tsmudge = sh {filter}\n");

        using (var pass = DaemonProcess.Start(_w.Root, ["sync", "--file", _w.SyncPath], new Dictionary<string, string?> { ["GIT_CONFIG_GLOBAL"] = gitConfig }))
        {
            await pass.UntilAsync(() => File.Exists(marker), Patience, "the checkout to start");
            pass.KillTree();
        }
        var clone = Directory.GetDirectories(Path.Combine(_w.Serving, ".sync", "zoo")).Single();
        Assert.True(File.Exists(Path.Combine(clone, ".git", "index.lock")));
        _w.AssertServes(1, v1);

        var next = await _w.SyncAsync();

        Assert.True(next.ExitCode == 0, next.All);
        Assert.Contains("removed .git/index.lock", next.All, StringComparison.Ordinal);
        _w.AssertServes(2, v2);
        Assert.False(File.Exists(Path.Combine(clone, ".git", "index.lock")));
        Assert.Equal("", (await BareRepo.GitAsync(clone, "status", "--porcelain")).Trim());
    }
}
