using ModelPipeline.Git;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Git;

/// <summary>The snapshot the per-model GitOps reads come from, and the ref files read without git: against real git.</summary>
public sealed class GitTreeSnapshotTests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    private async Task<GitClone> CloneAsync()
    {
        var remote = GitRemote.Create("origin", await BareRepo.CreateAsync(Path.Combine(_world.Root, "remote.git")), null, "test", _world.Root);
        return new GitClone(new GitCli(), remote, "main", Path.Combine(_world.Root, "clones"));
    }

    private static Task<GitPushOutcome> CommitAsync(GitClone clone, string path, string? content) =>
        clone.CommitAndPushAsync(new GitAuthor("Test", "test@example.com"), (root, _) =>
        {
            var full = Path.Combine(root, path);
            if (content is null) File.Delete(full);
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, content);
            }
            return Task.FromResult<string?>($"change {path}");
        }, 1, CancellationToken.None);

    [Fact]
    public async Task A_snapshot_reads_each_commit_as_git_shows_it_including_files_changed_added_and_removed_later()
    {
        var clone = await CloneAsync();
        var first = (await CommitAsync(clone, "test/a/config.yaml", "a: 1\n")).Commit!;
        await CommitAsync(clone, "test/b/config.yaml", "b: 1\n");
        var big = new string('x', 100_000) + "\n";
        await CommitAsync(clone, "prod/big.txt", big);
        var third = (await CommitAsync(clone, "test/a/config.yaml", "a: 2\n")).Commit!;
        var fourth = (await CommitAsync(clone, "test/b/config.yaml", null)).Commit!;
        using var snapshot = GitTreeSnapshot.For(new GitCli(), clone.WorkTree);

        Assert.Equal("a: 1\n", await snapshot.ReadAsync(first, "test/a/config.yaml", CancellationToken.None));
        Assert.Null(await snapshot.ReadAsync(first, "test/b/config.yaml", CancellationToken.None));
        // Moved forward (diff-tree), then back to an older commit: each answer is that commit's.
        Assert.Equal("a: 2\n", await snapshot.ReadAsync(third, "test/a/config.yaml", CancellationToken.None));
        Assert.Equal("b: 1\n", await snapshot.ReadAsync(third, "test/b/config.yaml", CancellationToken.None));
        Assert.Equal(big, await snapshot.ReadAsync(third, "prod/big.txt", CancellationToken.None));
        Assert.Null(await snapshot.ReadAsync(fourth, "test/b/config.yaml", CancellationToken.None));
        Assert.Equal(new[] { ("test/a/config.yaml", "a: 2\n") }, await snapshot.ReadAllAsync(fourth, "test/", CancellationToken.None));
        Assert.Equal("a: 1\n", await snapshot.ReadAsync(first, "test/a/config.yaml", CancellationToken.None));
    }

    /// <summary>
    /// A run over one model of 1,000 reads that model's files, not the repository: a read takes the files of the
    /// folders named like the asked file's (test/m0/ and prod/m0/), and after eight such reads every file not read yet.
    /// What was not read is shown by deleting its object from the clone: reading it then fails.
    /// </summary>
    [Fact]
    public async Task A_read_takes_only_the_asked_models_folders_until_eight_reads_and_then_every_file()
    {
        var clone = await CloneAsync();
        string commit = "";
        for (var i = 0; i < 12; i++)
        {
            await CommitAsync(clone, $"test/m{i}/config.yaml", $"test: {i}\n");
            commit = (await CommitAsync(clone, $"prod/m{i}/config.yaml", $"prod: {i}\n")).Commit!;
        }
        async Task DropObjectAsync(string path)
        {
            var oid = (await BareRepo.GitAsync(clone.WorkTree, "rev-parse", $"{commit}:{path}")).Trim();
            File.Delete(Path.Combine(clone.WorkTree, ".git", "objects", oid[..2], oid[2..]));
        }
        using var snapshot = GitTreeSnapshot.For(new GitCli(), clone.WorkTree);
        var ct = CancellationToken.None;

        Assert.Equal("test: 0\n", await snapshot.ReadAsync(commit, "test/m0/config.yaml", ct));
        await DropObjectAsync("prod/m0/config.yaml");
        await DropObjectAsync("test/m1/config.yaml");
        Assert.Equal("prod: 0\n", await snapshot.ReadAsync(commit, "prod/m0/config.yaml", ct)); // read with test/m0
        await Assert.ThrowsAsync<GitException>(() => snapshot.ReadAsync(commit, "test/m1/config.yaml", ct));

        for (var i = 2; i <= 8; i++) // the eighth narrow read is m7's; m8's takes every file left
            Assert.Equal($"prod: {i}\n", await snapshot.ReadAsync(commit, $"prod/m{i}/config.yaml", ct));
        for (var i = 9; i < 12; i++) await DropObjectAsync($"test/m{i}/config.yaml");
        for (var i = 9; i < 12; i++)
            Assert.Equal($"test: {i}\n", await snapshot.ReadAsync(commit, $"test/m{i}/config.yaml", ct));
    }

    [Fact]
    public async Task Refs_are_read_from_git_files_as_rev_parse_gives_them_loose_packed_and_missing()
    {
        var clone = await CloneAsync();
        var commit = (await CommitAsync(clone, "file.txt", "one\n")).Commit!;

        Assert.True(GitRefFiles.TryRead(clone.WorkTree, "HEAD", out var head));
        Assert.Equal(commit, head);
        Assert.True(GitRefFiles.TryRead(clone.WorkTree, "refs/remotes/origin/main", out var tracking));
        Assert.Equal(commit, tracking);

        await BareRepo.GitAsync(clone.WorkTree, "pack-refs", "--all");
        Assert.True(GitRefFiles.TryRead(clone.WorkTree, "refs/remotes/origin/main", out var packed));
        Assert.Equal(commit, packed);
        Assert.True(GitRefFiles.TryRead(clone.WorkTree, "refs/remotes/origin/nothing", out var missing));
        Assert.Null(missing);
        Assert.False(GitRefFiles.TryRead(Path.Combine(_world.Root, "no-clone"), "HEAD", out _));
        Assert.Equal(commit, await clone.RevParseAsync("HEAD", CancellationToken.None));
    }
}
