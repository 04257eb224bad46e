using ModelPipeline.Errors;
using ModelPipeline.Git;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Git;

public sealed class GitCloneTests : IDisposable
{
    private readonly TestWorld _world = new();
    private readonly GitAuthor _author = new("Test", "test@example.com");

    public void Dispose() => _world.Dispose();

    private async Task<GitRemote> BareAsync() =>
        GitRemote.Create("origin", await BareRepo.CreateAsync(Path.Combine(_world.Root, "remote.git")), null, "test", _world.Root);

    private GitClone Clone(GitRemote remote, string name) => new(new GitCli(), remote, "main", Path.Combine(_world.Root, name));

    private static async Task<string?> AppendLineAsync(string workTree, string line)
    {
        await File.AppendAllTextAsync(Path.Combine(workTree, "log.txt"), line + "\n");
        return $"add {line}";
    }

    [Fact]
    public async Task A_push_rejected_because_another_publisher_pushed_first_is_reapplied_on_the_new_tip()
    {
        var remote = await BareAsync();
        var a = Clone(remote, "a");
        var b = Clone(remote, "b");
        var calls = 0;

        var outcome = await a.CommitAndPushAsync(_author, async (tree, ct) =>
        {
            if (++calls == 1)
                await b.CommitAndPushAsync(_author, (t, _) => AppendLineAsync(t, "from b"), 3, ct);
            return await AppendLineAsync(tree, "from a");
        }, maxAttempts: 3, CancellationToken.None);

        Assert.Equal(2, outcome.Attempts);
        Assert.Equal(2, calls);
        Assert.Equal(outcome.Commit, await BareRepo.TipAsync(remote.Url));
        Assert.Equal("from b\nfrom a\n", await BareRepo.ShowAsync(remote.Url, "log.txt"));
        Assert.Equal(2, await BareRepo.CommitCountAsync(remote.Url));
    }

    /// <summary>
    /// A GitOps remote with a branch per promotion: past 256 loose ref files a sync packs them, and the refs read the
    /// same through git and through the ref files; a branch deleted on the remote is pruned from the packed refs too.
    /// </summary>
    [Fact]
    public async Task A_sync_that_fetches_three_hundred_branches_packs_them_and_prunes_a_deleted_one()
    {
        var remote = await BareAsync();
        var a = Clone(remote, "a");
        var commit = (await a.CommitAndPushAsync(_author, (t, _) => AppendLineAsync(t, "one"), 3, CancellationToken.None))
            .Commit!;
        var promote = Path.Combine(remote.Url, "refs", "heads", "promote");
        Directory.CreateDirectory(promote);
        for (var i = 0; i < 300; i++) await File.WriteAllTextAsync(Path.Combine(promote, $"m{i}-v1"), commit + "\n");

        await a.SyncAsync(CancellationToken.None);

        var gitDir = Path.Combine(a.WorkTree, ".git");
        Assert.True(Directory.EnumerateFiles(Path.Combine(gitDir, "refs"), "*", SearchOption.AllDirectories).Count()
            < GitClone.LooseRefLimit);
        Assert.Equal(300, (await File.ReadAllLinesAsync(Path.Combine(gitDir, "packed-refs")))
            .Count(l => l.Contains(" refs/remotes/origin/promote/", StringComparison.Ordinal)));
        Assert.True(GitRefFiles.TryRead(a.WorkTree, "refs/remotes/origin/promote/m7-v1", out var packed));
        Assert.Equal(commit, packed);

        File.Delete(Path.Combine(promote, "m7-v1"));
        await a.SyncAsync(CancellationToken.None);
        var listed = (await BareRepo.GitAsync(a.WorkTree, "for-each-ref", "--format=%(refname)",
            "refs/remotes/origin/promote/")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(299, listed.Length);
        Assert.DoesNotContain("refs/remotes/origin/promote/m7-v1", listed);
    }

    [Fact]
    public async Task Retries_are_bounded_and_the_failure_says_nothing_was_published()
    {
        var remote = await BareAsync();
        var a = Clone(remote, "a");
        var b = Clone(remote, "b");
        var round = 0;

        var ex = await Assert.ThrowsAsync<OperationFailedException>(() => a.CommitAndPushAsync(_author, async (tree, ct) =>
        {
            await b.CommitAndPushAsync(_author, (t, _) => AppendLineAsync(t, $"b{++round}"), 3, ct);
            return await AppendLineAsync(tree, "a");
        }, maxAttempts: 3, CancellationToken.None));

        Assert.Contains("failed after 3 attempt(s)", ex.Message);
        Assert.Contains("Nothing was published", ex.Message);
        Assert.DoesNotContain("\na\n", "\n" + await BareRepo.ShowAsync(remote.Url, "log.txt"));
        Assert.Equal(3, await BareRepo.CommitCountAsync(remote.Url));
    }

    [Fact]
    public async Task A_sync_of_a_clone_already_at_the_tip_still_removes_ignored_files_and_puts_a_detached_head_back_on_its_branch()
    {
        var remote = await BareAsync();
        var a = Clone(remote, "a");
        await a.CommitAndPushAsync(_author, async (t, ct) =>
        {
            await File.WriteAllTextAsync(Path.Combine(t, ".gitignore"), "*.tmp\n", ct);
            return await AppendLineAsync(t, "one");
        }, 3, CancellationToken.None);
        var tip = await BareRepo.TipAsync(remote.Url);

        // At the tip with nothing changed but an ignored file: what the reset's clean -x removes must go.
        await File.WriteAllTextAsync(Path.Combine(a.WorkTree, "half-written.tmp"), "stray");
        using (await a.LockAsync(TimeSpan.FromSeconds(30), CancellationToken.None))
            Assert.Equal(tip, await a.SyncAsync(CancellationToken.None));
        Assert.False(File.Exists(Path.Combine(a.WorkTree, "half-written.tmp")));

        // At the tip's commit on a detached HEAD: the branch is checked out again.
        await Tools.RunOkAsync("git", "-C", a.WorkTree, "checkout", "--quiet", "--detach");
        using (await a.LockAsync(TimeSpan.FromSeconds(30), CancellationToken.None))
            Assert.Equal(tip, await a.SyncAsync(CancellationToken.None));
        Assert.Equal("refs/heads/main",
            (await Tools.RunOkAsync("git", "-C", a.WorkTree, "symbolic-ref", "HEAD")).Trim());

        // Clean, on the branch, at the tip: the sync changes nothing and the next commit builds on it.
        using (await a.LockAsync(TimeSpan.FromSeconds(30), CancellationToken.None))
            Assert.Equal(tip, await a.SyncAsync(CancellationToken.None));
        var outcome = await a.CommitAndPushAsync(_author, (t, _) => AppendLineAsync(t, "two"), 3, CancellationToken.None);
        Assert.Equal(outcome.Commit, await BareRepo.TipAsync(remote.Url));
        Assert.Equal("one\ntwo\n", await BareRepo.ShowAsync(remote.Url, "log.txt"));
    }

    [Fact]
    public async Task A_change_that_changes_nothing_makes_no_commit()
    {
        var remote = await BareAsync();
        var a = Clone(remote, "a");
        await a.CommitAndPushAsync(_author, (t, _) => AppendLineAsync(t, "one"), 3, CancellationToken.None);

        var outcome = await a.CommitAndPushAsync(_author, async (t, _) =>
        {
            await File.WriteAllTextAsync(Path.Combine(t, "log.txt"), "one\n", CancellationToken.None);
            return "rewrite the same content";
        }, 3, CancellationToken.None);

        Assert.Null(outcome.Commit);
        Assert.Equal(1, await BareRepo.CommitCountAsync(remote.Url));
    }

    [Fact]
    public async Task A_change_that_throws_leaves_the_clone_clean_for_the_next_run()
    {
        var remote = await BareAsync();
        var a = Clone(remote, "a");

        await Assert.ThrowsAsync<InvalidInputException>(() => a.CommitAndPushAsync(_author, async (t, _) =>
        {
            await File.WriteAllTextAsync(Path.Combine(t, "half.txt"), "half written", CancellationToken.None);
            throw new InvalidInputException("bad input");
        }, 3, CancellationToken.None));
        var outcome = await a.CommitAndPushAsync(_author, (t, _) => AppendLineAsync(t, "ok"), 3, CancellationToken.None);

        Assert.NotNull(outcome.Commit);
        Assert.Equal(["log.txt"], await BareRepo.FilesAsync(remote.Url));
    }
}
