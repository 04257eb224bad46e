using System.Text.Json.Nodes;
using Json.Schema;
using ModelPipeline.Ci;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Ci;

/// <summary>
/// The GitLab CI files as written, against GitLab's own published CI schema (Schemas/gitlab-ci.json, draft-07, see
/// SOURCES.md). JsonSchema.Net evaluates every keyword it uses (if/then/else, const and dependencies included);
/// <c>format</c> stays an annotation, as draft-07 has it by default and as the schema itself expects (its
/// <c>environment:url</c> pattern admits <c>$CI_PAGES_URL</c>, which is no URI).
/// </summary>
public sealed class GitLabSchemaTests
{
    private static readonly string Root = TestWorld.RepoRoot();

    private const string Folder = "pipelines/gitlab";

    private static readonly Lazy<JsonSchema> Schema =
        new(() => JsonSchema.FromFile(CrdSchema.PathOf("gitlab-ci.json")));

    public static TheoryData<string> CommittedFiles() =>
        new(Path.Combine(Folder, ".gitlab-ci.yml"), GitLabPipelines.ModelsTemplate,
            Path.Combine(Folder, "gitops.gitlab-ci.yml"));

    [Theory]
    [MemberData(nameof(CommittedFiles))]
    public void Every_committed_gitlab_file_validates_against_gitlabs_published_ci_schema(string file)
    {
        var errors = Errors(Load(File.ReadAllText(Path.Combine(Root, file))));

        Assert.True(errors.Count == 0, $"{file}:\n{string.Join('\n', errors)}");
    }

    [Fact]
    public async Task The_child_pipeline_modelpipe_writes_for_a_three_model_plan_validates_against_the_schema()
    {
        using var world = new TestWorld();
        await ThreeModels.WriteSettingsAsync(world.Root, world.Root, "pipeline.json");
        foreach (var name in new[] { "a", "b", "c" }) await ThreeModels.WriteModelAsync(world.Root, name);

        var run = await Modelpipe.RunAsync(world.Root, ["ci", "plan", "--format", "gitlab-child", "--to", "child.yml"],
            new Dictionary<string, string?> { ["SOURCE_DATE_EPOCH"] = null });

        Assert.True(run.ExitCode == 0, run.All);
        var child = Load(File.ReadAllText(Path.Combine(world.Root, "child.yml")));
        Assert.Equal(["model-a", "model-b", "model-c", "fan-in"],
            child.AsObject().Select(j => j.Key)
                .Where(k => k.StartsWith("model-", StringComparison.Ordinal) || k == "fan-in"));
        var errors = Errors(child);
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    /// <summary>
    /// GitLab takes a variable's <c>description</c> only at the top level (it prefills the Run pipeline form); a job's
    /// variables take <c>value</c> and <c>expand</c>. The schema refuses the job-level one, and the committed file has
    /// its descriptions at the top level only.
    /// </summary>
    [Fact]
    public void A_variable_description_is_refused_on_a_job_and_accepted_at_the_top_level()
    {
        var main = Load(File.ReadAllText(Path.Combine(Root, Folder, ".gitlab-ci.yml")));
        Assert.NotNull(main["variables"]!["PROMOTE_MODEL"]!["description"]);
        Assert.Empty(Errors(main));

        var onJob = main.DeepClone();
        onJob["promote"]!["variables"] = new JsonObject
        {
            ["PROMOTE_MODEL"] = new JsonObject { ["value"] = "", ["description"] = "Promote: the model" },
        };
        var errors = Errors(onJob);

        // The list holds every failed branch of the schema's oneOfs too; the refusal is the one at the description.
        Assert.Contains(errors,
            e => e.StartsWith("/promote/variables/PROMOTE_MODEL/description: ", StringComparison.Ordinal));
        onJob["promote"]!["variables"]!["PROMOTE_MODEL"]!.AsObject().Remove("description");
        Assert.Empty(Errors(onJob));
    }

    private static JsonNode Load(string yaml) => YamlJson.Documents(yaml).Single()!;

    private static List<string> Errors(JsonNode document) => CrdSchema.Errors(Schema.Value, document);
}
