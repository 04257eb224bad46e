using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CliWrap.Buffered;
using ModelPipeline.Ci;
using ModelPipeline.Tests.Support;
using Json.Schema;

namespace ModelPipeline.Tests.Ci;

/// <summary>The generated GitHub Actions workflows, checked by action-validator and the published workflow schema.</summary>
public sealed partial class GitHubWorkflowTests
{
    private static readonly string Root = TestWorld.RepoRoot();

    /// <summary>SchemaStore's workflow schema (draft-07), evaluated in full by JsonSchema.Net.</summary>
    private static readonly Lazy<JsonSchema> Schema =
        new(() => JsonSchema.FromFile(CrdSchema.PathOf("github-workflow.json")));

    private static List<string> Files() =>
        Directory.EnumerateFiles(Path.Combine(Root, "pipelines", "github"), "*.yml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();

    public static TheoryData<string> Workflows() => new(Files());

    private static JsonNode Load(string file) => YamlJson.Documents(File.ReadAllText(Path.Combine(Root, "pipelines", "github", file))).Single()!;

    private static IEnumerable<JsonNode> Steps(JsonNode workflow) =>
        workflow["jobs"]!.AsObject().SelectMany(job => job.Value!["steps"]!.AsArray()).Select(s => s!);

    [CiToolFact("action-validator")]
    public async Task Action_validator_accepts_every_workflow()
    {
        foreach (var file in Files())
        {
            var result = await CliWrap.Cli.Wrap(CiTools.Find("action-validator")!).WithArguments([Path.Combine(Root, "pipelines", "github", file)])
                .WithEnvironmentVariables(e => e.Set("PATH", CiTools.SearchPath)).WithValidation(CliWrap.CommandResultValidation.None)
                .ExecuteBufferedAsync();
            Assert.True(result.ExitCode == 0, $"action-validator rejected {file} (exit {result.ExitCode}): {result.StandardOutput}{result.StandardError}");
        }
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Every_workflow_validates_against_the_published_workflow_schema(string file)
    {
        var errors = CrdSchema.Errors(Schema.Value, Load(file));

        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    /// <summary>
    /// The schema's conditional keywords apply (NJsonSchema skipped them): a workflow_dispatch input's default must
    /// have its type (if/then), and a step may set <c>shell</c> only with <c>run</c> (dependencies).
    /// </summary>
    [Fact]
    public void A_default_of_another_type_and_a_shell_without_run_are_refused_so_the_check_can_fail()
    {
        var promote = Load("promote.yml");
        Assert.Empty(CrdSchema.Errors(Schema.Value, promote));

        var input = promote.DeepClone();
        var version = input["on"]!["workflow_dispatch"]!["inputs"]!["version"]!;
        version["default"] = "three";
        Assert.Contains(CrdSchema.Errors(Schema.Value, input),
            e => e.StartsWith("/on/workflow_dispatch/inputs/version/default: type: ", StringComparison.Ordinal));
        version["default"] = 3;
        Assert.Empty(CrdSchema.Errors(Schema.Value, input));

        var shell = promote.DeepClone();
        var (job, steps) = shell["jobs"]!.AsObject().Select(j => (j.Key, j.Value!["steps"]!.AsArray())).First();
        var uses = steps.Select((step, i) => (step, i)).First(s => s.step!["uses"] is not null);
        uses.step!["shell"] = "bash";
        Assert.Contains(CrdSchema.Errors(Schema.Value, shell),
            e => e.StartsWith($"/jobs/{job}/steps/{uses.i}: dependencies: ", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Every_action_is_pinned_to_a_commit_with_its_tag_in_a_comment(string file)
    {
        var text = File.ReadAllText(Path.Combine(Root, "pipelines", "github", file));
        var uses = Uses().Matches(text).ToList();

        Assert.NotEmpty(uses);
        Assert.All(uses, m =>
        {
            Assert.Matches("^[0-9a-f]{40}$", m.Groups["ref"].Value);
            Assert.Contains(CiPins.Actions, p => p.Name == m.Groups["name"].Value && p.Ref == m.Groups["ref"].Value && p.Tag == m.Groups["tag"].Value);
        });
        Assert.Equal(uses.Count, Regex.Count(text, "uses:"));
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void No_expression_is_spliced_into_a_script_and_secrets_reach_only_the_target_steps_by_name(string file)
    {
        var workflow = Load(file);
        var settings = SecretNames.From(Path.Combine(Root, CiContext.GitHubSettings), Path.Combine(Root, "pipeline.schema.json"));
        foreach (var step in Steps(workflow))
        {
            Assert.DoesNotContain("${{", (string?)step["run"] ?? "", StringComparison.Ordinal);
            foreach (var (name, value) in step["env"]?.AsObject() ?? [])
            {
                var text = (string?)value ?? "";
                if (!text.Contains("secrets.", StringComparison.Ordinal)) continue;
                Assert.Equal($"${{{{ secrets.{name} }}}}", text);
                Assert.Contains(name, settings);
                var run = (string?)step["run"] ?? "";
                Assert.True(run.StartsWith("./build.sh ", StringComparison.Ordinal) || run.Contains("\n./build.sh ", StringComparison.Ordinal)
                    || run.StartsWith($"dotnet {CiContext.Modelpipe} ci plan ", StringComparison.Ordinal)
                    || run.StartsWith($"dotnet {CiContext.Modelpipe} plan ", StringComparison.Ordinal), run);
            }
        }
        Assert.DoesNotContain("secrets.", workflow["env"]?.ToJsonString() ?? "", StringComparison.Ordinal);
        Assert.DoesNotContain("github.event.inputs", File.ReadAllText(Path.Combine(Root, "pipelines", "github", file)), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_build_target_a_workflow_runs_exists_in_the_cake_graph()
    {
        var declared = CakeTargets.Declared();
        var used = Files().SelectMany(f => Steps(Load(f)))
            .SelectMany(s => BuildCall().Matches((string?)s["run"] ?? "").Select(m => m.Groups[1].Value)).ToHashSet();

        Assert.Superset(new HashSet<string> { "Test", "Compile", "PushMirrors", "OpenPr", "Promote", "SyncAliases" }, used);
        Assert.Subset(declared, used);
    }

    [Fact]
    public void The_model_jobs_and_the_fan_in_get_the_build_once_and_hand_on_records_only()
    {
        var jobs = Load("publish.yml")["jobs"]!.AsObject();

        Assert.Equal(["test", "plan", "what-if", "model", "fan-in", "pages"], jobs.Select(j => j.Key));
        var upload = jobs["test"]!["steps"]!.AsArray().Single(s => (string?)s!["with"]?["name"] == GitHubWorkflows.BuildArtifact)!;
        Assert.Equal(string.Join('\n', CiContext.BuildPaths), (string?)upload["with"]!["path"]);
        foreach (var job in new[] { "plan", "model", "fan-in" })
        {
            var steps = jobs[job]!["steps"]!.AsArray();
            var download = steps.Single(s => (string?)s!["with"]?["name"] == GitHubWorkflows.BuildArtifact)!;
            Assert.Equal(CiContext.BuildDir, (string?)download["with"]!["path"]);
            // The handed-on build: no job but test compiles (Compile finds its stamp current).
            Assert.DoesNotContain(steps, s => ((string?)s!["run"])?.Contains("dotnet build", StringComparison.Ordinal) == true);
        }
        var records = jobs["model"]!["steps"]!.AsArray().Single(s => ((string?)s!["with"]?["name"])?.StartsWith("records-", StringComparison.Ordinal) == true)!;
        Assert.Equal([RunRecords.Folder, .. RunRecords.Excluded.Select(e => "!" + e)], ((string)records["with"]!["path"]!).Split('\n'));
        Assert.Equal("model-${{ matrix.model }}", (string?)jobs["model"]!["concurrency"]!["group"]);
        Assert.Equal("fan-in", (string?)jobs["pages"]!["needs"]);
    }

    [GeneratedRegex(@"uses: (?<name>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)@(?<ref>\S+) # (?<tag>v[0-9.]+)\n")]
    private static partial Regex Uses();

    [GeneratedRegex(@"\./build\.sh ([A-Z][A-Za-z]*)")]
    private static partial Regex BuildCall();
}
