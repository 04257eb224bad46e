using ModelPipeline.Git;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Git;

/// <summary>
/// A change that names the paths it touched (<see cref="GitChange"/>) has only those staged, so one model's change
/// does not walk a clone of 1,000 models; the commit is made with plumbing (no refresh of every file's stat data);
/// a clean clone behind the tip is only checked out. Real git against a bare repository.
/// </summary>
public sealed class GitCloneStagingTests : IDisposable
{
    private readonly TestWorld _world = new();
    private readonly GitAuthor _author = new("Test Author", "author@example.com");

    public void Dispose() => _world.Dispose();

    private async Task<GitRemote> BareAsync() =>
        GitRemote.Create("origin", await BareRepo.CreateAsync(Path.Combine(_world.Root, "remote.git")), null, "test",
            _world.Root);

    private GitClone Clone(GitRemote remote, string name, List<string>? recovered = null) =>
        new(new GitCli(), remote, "main", Path.Combine(_world.Root, name)) { Recovered = m => recovered?.Add(m) };

    private static void Write(string tree, string path, string content)
    {
        var full = Path.Combine(tree, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    /// <summary>Commits <paramref name="files"/> (path → content) with the whole tree staged.</summary>
    private async Task SeedAsync(GitClone clone, params (string Path, string Content)[] files) =>
        await clone.CommitAndPushAsync(_author, (tree, _) =>
        {
            foreach (var (path, content) in files) Write(tree, path, content);
            return Task.FromResult<string?>("seed");
        }, 3, CancellationToken.None);

    private Task<GitPushOutcome> ChangeAsync(GitClone clone, Action<string> change, params string[] paths) =>
        clone.CommitChangeAndPushAsync(_author, (tree, _) =>
        {
            change(tree);
            return Task.FromResult<GitChange?>(new GitChange("change", paths));
        }, 3, CancellationToken.None);

    /// <summary>The message of a commit as stored: what follows the headers of <c>cat-file commit</c>.</summary>
    private static async Task<string> MessageAsync(string repo, string commit)
    {
        var raw = await BareRepo.GitAsync(repo, "cat-file", "commit", commit);
        return raw[(raw.IndexOf("\n\n", StringComparison.Ordinal) + 2)..];
    }

    [Fact]
    public async Task A_change_that_names_its_paths_commits_what_it_wrote_changed_and_removed_there()
    {
        var remote = await BareAsync();
        var a = Clone(remote, "a");
        await SeedAsync(a, ("keep/a.txt", "keep"), ("m1/x.txt", "x1"), ("m1/sub/y.txt", "y"), ("m2/z.txt", "z"),
            ("top.txt", "top1"));

        var outcome = await ChangeAsync(a, tree =>
        {
            Write(tree, "m1/x.txt", "x2");
            Write(tree, "m1/new.txt", "new");
            Directory.Delete(Path.Combine(tree, "m1", "sub"), recursive: true);
            Directory.Delete(Path.Combine(tree, "m2"), recursive: true);
            Write(tree, "top.txt", "top2");
        }, "m1", "m2", "top.txt", "never-there");

        Assert.Equal(outcome.Commit, await BareRepo.TipAsync(remote.Url));
        Assert.Equal(["keep/a.txt", "m1/new.txt", "m1/x.txt", "top.txt"], await BareRepo.FilesAsync(remote.Url));
        Assert.Equal("x2", await BareRepo.ShowAsync(remote.Url, "m1/x.txt"));
        Assert.Equal("top2", await BareRepo.ShowAsync(remote.Url, "top.txt"));
        Assert.Equal("", await BareRepo.GitAsync(a.WorkTree, "status", "--porcelain", "--untracked-files=all"));

        // The same content written again under the named paths: nothing staged, no commit.
        var again = await ChangeAsync(a, tree => Write(tree, "m1/x.txt", "x2"), "m1");
        Assert.Null(again.Commit);
        Assert.Equal(2, await BareRepo.CommitCountAsync(remote.Url));
    }

    [Fact]
    public async Task A_stray_file_left_in_the_clone_by_a_stopped_run_is_discarded_before_the_change_never_committed()
    {
        var remote = await BareAsync();
        var a = Clone(remote, "a");
        await SeedAsync(a, ("m1/x.txt", "x1"));
        // What a run stopped after writing leaves: a file in the folder the next change names, and one outside it.
        Write(a.WorkTree, "m1/half.txt", "half written");
        Write(a.WorkTree, "elsewhere/half.txt", "half written");
        var recovered = new List<string>();

        await ChangeAsync(Clone(remote, "a", recovered), tree => Write(tree, "m1/x.txt", "x2"), "m1");

        Assert.Equal(["m1/x.txt"], await BareRepo.FilesAsync(remote.Url));
        Assert.Contains(recovered, m => m.Contains("2 uncommitted change(s)", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(a.WorkTree, "m1", "half.txt")));
        Assert.False(File.Exists(Path.Combine(a.WorkTree, "elsewhere", "half.txt")));
    }

    [Fact]
    public async Task A_file_written_outside_the_named_paths_is_not_committed_and_the_next_sync_discards_it()
    {
        var remote = await BareAsync();
        var a = Clone(remote, "a");
        await SeedAsync(a, ("m1/x.txt", "x1"));

        await ChangeAsync(a, tree =>
        {
            Write(tree, "m1/x.txt", "x2");
            Write(tree, "unnamed.txt", "not named by the change");
        }, "m1");

        Assert.Equal(["m1/x.txt"], await BareRepo.FilesAsync(remote.Url));
        var recovered = new List<string>();
        using (await a.LockAsync(TimeSpan.FromSeconds(30), CancellationToken.None))
            await Clone(remote, "a", recovered).SyncAsync(CancellationToken.None);
        Assert.Single(recovered);
        Assert.False(File.Exists(Path.Combine(a.WorkTree, "unnamed.txt")));
    }

    [Fact]
    public async Task A_named_path_that_gitignore_ignores_is_left_out_as_a_whole_tree_add_leaves_it()
    {
        var remote = await BareAsync();
        var a = Clone(remote, "a");
        await SeedAsync(a, (".gitignore", "*.tmp\n"));

        await ChangeAsync(a, tree =>
        {
            Write(tree, "m1/kept.txt", "kept");
            Write(tree, "m1/scratch.tmp", "ignored");
        }, "m1/kept.txt", "m1/scratch.tmp");

        Assert.Equal([".gitignore", "m1/kept.txt"], await BareRepo.FilesAsync(remote.Url));
    }

    [Fact]
    public async Task A_change_that_names_more_paths_than_a_walk_of_the_tree_costs_stages_the_whole_tree()
    {
        var remote = await BareAsync();
        var a = Clone(remote, "a");
        var paths = Enumerable.Range(1, 100).Select(i => $"m{i:D3}").ToArray();

        await ChangeAsync(a, tree =>
        {
            foreach (var path in paths) Write(tree, $"{path}/model.json", path);
        }, paths);

        Assert.Equal(paths.Select(p => $"{p}/model.json"), await BareRepo.FilesAsync(remote.Url));
    }

    [Fact]
    public async Task A_commit_is_the_one_git_commit_makes_with_its_message_author_parent_and_branch()
    {
        var remote = await BareAsync();
        var a = Clone(remote, "a");
        const string messy = "\n  \nzoo: publish m1 v1  \n\n\n\nTraining key: abc\t\nImage: x@sha256:00 \n\n";

        var first = await a.CommitChangeAndPushAsync(_author, (tree, _) =>
        {
            Write(tree, "m1/x.txt", "x");
            return Task.FromResult<GitChange?>(new GitChange(messy, ["m1"]));
        }, 3, CancellationToken.None);
        var second = await ChangeAsync(a, tree => Write(tree, "m1/x.txt", "y"), "m1");

        // What git's own commit stores for the same message, in a repository of its own.
        var plain = Path.Combine(_world.Root, "plain");
        Directory.CreateDirectory(plain);
        await BareRepo.GitAsync(plain, "init", "--quiet");
        await BareRepo.GitAsync(plain, "-c", "user.name=x", "-c", "user.email=x@example.com", "commit", "--quiet",
            "--allow-empty", "-m", messy);
        var expected = await MessageAsync(plain, "HEAD");
        Assert.Equal("zoo: publish m1 v1\n\nTraining key: abc\nImage: x@sha256:00\n", expected);
        Assert.Equal(expected, await MessageAsync(remote.Url, first.Commit!));

        var log = await BareRepo.GitAsync(remote.Url, "log", "--format=%H %P|%an <%ae>|%cn <%ce>", "main");
        Assert.Equal(
            $"{second.Commit} {first.Commit}|Test Author <author@example.com>|Test Author <author@example.com>\n"
            + $"{first.Commit} |Test Author <author@example.com>|Test Author <author@example.com>\n", log);
        Assert.Equal("refs/heads/main", (await BareRepo.GitAsync(a.WorkTree, "symbolic-ref", "HEAD")).Trim());
        Assert.Equal(second.Commit, (await BareRepo.GitAsync(a.WorkTree, "rev-parse", "refs/heads/main")).Trim());
        Assert.Equal("", await BareRepo.GitAsync(a.WorkTree, "status", "--porcelain", "--untracked-files=all"));
    }

    [Fact]
    public async Task A_clean_clone_behind_the_tip_is_checked_out_at_the_tip_with_removed_files_and_folders_gone()
    {
        var remote = await BareAsync();
        var a = Clone(remote, "a");
        var b = Clone(remote, "b");
        await SeedAsync(a, ("m1/x.txt", "x1"), ("m2/sub/z.txt", "z"), ("top.txt", "top"));
        await ChangeAsync(b, tree =>
        {
            Directory.Delete(Path.Combine(tree, "m2"), recursive: true);
            Write(tree, "m1/x.txt", "x2");
            Write(tree, "m3/new.txt", "new");
        }, "m1", "m2", "m3");
        var tip = await BareRepo.TipAsync(remote.Url);

        var recovered = new List<string>();
        using (await a.LockAsync(TimeSpan.FromSeconds(30), CancellationToken.None))
            Assert.Equal(tip, await Clone(remote, "a", recovered).SyncAsync(CancellationToken.None));

        Assert.Empty(recovered);
        Assert.Equal("refs/heads/main", (await BareRepo.GitAsync(a.WorkTree, "symbolic-ref", "HEAD")).Trim());
        Assert.Equal(tip, (await BareRepo.GitAsync(a.WorkTree, "rev-parse", "HEAD")).Trim());
        var onDisk = Directory.EnumerateFileSystemEntries(a.WorkTree, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(a.WorkTree, p).Replace('\\', '/'))
            .Where(p => p != ".git" && !p.StartsWith(".git/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        Assert.Equal(["m1", "m1/x.txt", "m3", "m3/new.txt", "top.txt"], onDisk);
        Assert.Equal("x2", File.ReadAllText(Path.Combine(a.WorkTree, "m1", "x.txt")));
        Assert.Equal("", await BareRepo.GitAsync(a.WorkTree, "status", "--porcelain", "--untracked-files=all",
            "--ignored"));
    }
}
