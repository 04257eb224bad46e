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

    [GeneratedRegex(@"Task\(""([A-Za-z]+)""\)")]
    private static partial Regex TaskDeclaration();
}
