using System.Text.RegularExpressions;
using ModelPipeline.Ci;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Ci;

/// <summary>
/// The targets the build defines: Cake's own task list as ./build.sh Test (via CheckCi) serialised it to
/// artifacts/ci/targets.json, or, when the tests run without Cake, the Task("…") declarations in build/.
/// </summary>
public static partial class CakeTargets
{
    public static HashSet<string> Declared()
    {
        var graph = Path.Combine(TestWorld.RepoRoot(), "artifacts", "ci", "targets.json");
        if (File.Exists(graph)) return TargetGraph.Load(graph).Targets.Select(t => t.Name).ToHashSet();
        return Directory.EnumerateFiles(Path.Combine(TestWorld.RepoRoot(), "build"), "*.cake", SearchOption.AllDirectories)
            .SelectMany(f => TaskDeclaration().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value)).ToHashSet();
    }

    /// <summary>
    /// The jobs the publish pipeline must have, in order: "test", then Publish's steps from the real graph
    /// (when ./build.sh wrote it), else the chain the generated GitLab pipeline declares (the CIs must agree).
    /// </summary>
    public static List<string> PublishJobs()
    {
        var graph = Path.Combine(TestWorld.RepoRoot(), "artifacts", "ci", "targets.json");
        if (File.Exists(graph)) return ["test", .. TargetGraph.Load(graph).PublishSteps.Select(CiContext.JobName)];
        var gitlab = YamlJson.Documents(File.ReadAllText(Path.Combine(TestWorld.RepoRoot(), "pipelines", "gitlab", ".gitlab-ci.yml")))[0]!;
        return gitlab["stages"]!.AsArray().Select(s => (string)s!).Where(s => s is not ("pages" or "promote")).ToList();
    }

    [GeneratedRegex(@"Task\(""([A-Za-z]+)""\)")]
    private static partial Regex TaskDeclaration();
}
