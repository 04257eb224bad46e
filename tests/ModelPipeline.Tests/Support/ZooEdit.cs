namespace ModelPipeline.Tests.Support;

/// <summary>Changes a zoo's bare repository the way a person with push access would: clone, edit, commit, push.</summary>
public static class ZooEdit
{
    /// <summary>The policy that protects no alias: anyone may move prod with <c>models alias</c>.</summary>
    public const string NothingProtected = """{ "protectedAliases": {} }""";

    /// <summary>Clones <paramref name="bare"/> into a new folder under <paramref name="scratch"/>, runs
    /// <paramref name="edit"/> on the work tree, commits it as <c>t &lt;t@t&gt;</c> and pushes main. Returns the commit.</summary>
    public static async Task<string> CommitAsync(string bare, string scratch, string message, Action<string> edit)
    {
        var work = Path.Combine(scratch, $"zoo-edit-{Guid.NewGuid():N}");
        await BareRepo.GitAsync(scratch, "clone", "--quiet", bare, work);
        edit(work);
        await BareRepo.GitAsync(work, "add", "-A");
        await BareRepo.GitAsync(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", message);
        await BareRepo.GitAsync(work, "push", "--quiet", "origin", "HEAD:main");
        return (await BareRepo.GitAsync(work, "rev-parse", "HEAD")).Trim();
    }

    /// <summary>Commits the zoo's <c>policy.json</c>.</summary>
    public static Task<string> WritePolicyAsync(string bare, string scratch, string json) =>
        CommitAsync(bare, scratch, "zoo: policy", work => File.WriteAllText(Path.Combine(work, "policy.json"), json));
}
