using System.Runtime.InteropServices;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Docs;

/// <summary>
/// A fresh clone of this repository as it is now (HEAD plus the working tree's changes, committed), as a newcomer
/// gets it. The CLI's build output for this machine and Compile's stamp are copied in, so <c>./build.sh</c> skips
/// Compile when the sources are the same (the stamp is a digest of them) and compiles in the clone otherwise.
/// </summary>
public static class WorkingTreeClone
{
    public static async Task<string> CreateAsync(string worldRoot)
    {
        var repo = TestWorld.RepoRoot();
        var clone = Path.Combine(worldRoot, "checkout");
        await Tools.RunOkAsync("git", "clone", "--quiet", repo, clone);
        // Changed since HEAD, staged or not, and new files git does not ignore.
        var differ = await Tools.RunOkAsync("git", "-C", repo, "diff", "--name-only", "-z", "--no-renames", "HEAD");
        var added = await Tools.RunOkAsync("git", "-C", repo, "ls-files", "-z", "--others", "--exclude-standard");
        var changed = (differ + added).Split('\0', StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();
        foreach (var rel in changed)
        {
            var target = Path.Combine(clone, rel);
            if (!File.Exists(Path.Combine(repo, rel))) { File.Delete(target); continue; }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(repo, rel), target, overwrite: true);
        }
        if (changed.Count > 0)
        {
            await Tools.RunOkAsync("git", "-C", clone, "add", "-A");
            await Tools.RunOkAsync("git", "-C", clone, "-c", "user.name=Tests", "-c", "user.email=tests@example.com",
                "commit", "--quiet", "--allow-empty", "-m", "the working tree");
        }
        CopyBuildOutput(repo, clone);
        return clone;
    }

    private static void CopyBuildOutput(string repo, string clone)
    {
        const string release = "src/ModelPipeline.Cli/bin/Release";
        var cli = Path.Combine(repo, release, "net10.0");
        if (!File.Exists(Path.Combine(repo, release, "compile.stamp")) || !Directory.Exists(cli)) return;
        Copy(Path.Combine(repo, release, "compile.stamp"), Path.Combine(clone, release, "compile.stamp"));
        // Native libraries for every platform are most of the output (hundreds of MB): only this machine's are needed.
        var rid = RuntimeInformation.RuntimeIdentifier;
        foreach (var file in Directory.EnumerateFiles(cli, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(cli, file).Split(Path.DirectorySeparatorChar);
            if (rel.Length > 1 && rel[0] == "runtimes" && rel[1] != rid) continue;
            if (rel.Length > 1 && rel[0] == rid) continue; // ReadyToRun's own build (Compile), not what runs
            Copy(file, Path.Combine(clone, release, "net10.0", Path.Combine(rel)));
        }
        // Compile also wants the test assembly to exist; the clone never runs it.
        const string tests = "tests/ModelPipeline.Tests/bin/Release/net10.0/ModelPipeline.Tests.dll";
        if (File.Exists(Path.Combine(repo, tests))) Copy(Path.Combine(repo, tests), Path.Combine(clone, tests));
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to, overwrite: true);
    }
}
