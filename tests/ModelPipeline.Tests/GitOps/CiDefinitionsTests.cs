using System.Text.RegularExpressions;
using ModelPipeline.Configuration;
using ModelPipeline.Tests.Support;
using YamlDotNet.Serialization;

namespace ModelPipeline.Tests.GitOps;

/// <summary>The CI definitions under pipelines/ run targets that exist, with settings files that validate.</summary>
public sealed partial class CiDefinitionsTests
{
    private static readonly string Root = TestWorld.RepoRoot();
    private static readonly string[] CiFolders = ["github", "gitlab", "tekton"];

    private static List<string> CiFiles() =>
        CiFolders.SelectMany(d => Directory.EnumerateFiles(Path.Combine(Root, "pipelines", d), "*.y*ml", new EnumerationOptions { AttributesToSkip = 0 })).ToList();

    [Fact]
    public void Every_ci_definition_is_valid_yaml_and_runs_only_targets_the_build_defines()
    {
        var targets = Directory.EnumerateFiles(Path.Combine(Root, "build"), "*.cake", SearchOption.AllDirectories)
            .SelectMany(f => TaskDeclaration().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value)).ToHashSet();
        var used = new List<string>();
        foreach (var file in CiFiles())
        {
            var text = File.ReadAllText(file);
            var stream = new YamlDotNet.RepresentationModel.YamlStream();
            stream.Load(new StringReader(text)); // every document of the file parses (tasks.yaml has several)
            Assert.NotEmpty(stream.Documents);
            used.AddRange(BuildInvocation().Matches(text).Select(m => m.Groups[1].Value));
        }

        Assert.Contains(CiFiles(), f => f.EndsWith("/gitlab/.gitlab-ci.yml", StringComparison.Ordinal));
        // Publish fans out: a job per changed model runs PushMirrors (and what it depends on), the fan-in runs
        // UpdateGitOps, OpenPr and Report once.
        Assert.Superset(new HashSet<string> { "Test", "PushMirrors", "UpdateGitOps", "OpenPr", "Report", "Promote", "SyncAliases" },
            used.ToHashSet());
        Assert.DoesNotContain(used, t => !targets.Contains(t));
    }

    [Theory]
    [InlineData("pipelines/github/pipeline.github.json", "github")]
    [InlineData("pipelines/gitlab/pipeline.gitlab.json", "gitlab")]
    public void The_ci_settings_files_validate_against_the_schema(string path, string forge)
    {
        var config = ConfigLoader.Load(Root, Path.Combine(Root, path), new Dictionary<string, string>());

        Assert.Equal(forge, config.Forge.Kind);
        Assert.NotNull(config.GitOps.TokenEnv);
        Assert.StartsWith("https://", config.GitOps.Repository, StringComparison.Ordinal);
    }

    [Fact]
    public void Secrets_reach_ci_steps_only_through_environment_variables()
    {
        foreach (var file in CiFiles())
        {
            foreach (var line in File.ReadAllLines(file))
            {
                var runLine = line.TrimStart().StartsWith("run:", StringComparison.Ordinal) || line.TrimStart().StartsWith("- ./build.sh", StringComparison.Ordinal);
                Assert.False(runLine && (line.Contains("secrets.", StringComparison.Ordinal) || line.Contains("TOKEN", StringComparison.Ordinal)), $"{file}: a secret in a command line: {line.Trim()}");
            }
        }
    }

    [GeneratedRegex(@"Task\(""([A-Za-z]+)""\)")]
    private static partial Regex TaskDeclaration();

    [GeneratedRegex(@"(?:\./build\.sh|value:)\s+""?([A-Z][a-z][A-Za-z]*)\b")]
    private static partial Regex BuildInvocation();
}
