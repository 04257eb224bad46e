using System.Text.Json.Nodes;
using ModelPipeline.Ci;
using ModelPipeline.Tests.Support;
using Json.Schema;

namespace ModelPipeline.Tests.Ci;

/// <summary>
/// The generated Argo Workflows files, raw, against Argo Workflows' published JSON schema (v4.1.2, vendored):
/// its WorkflowTemplate definition, strict like the API server (an object with declared properties rejects
/// unknown fields), evaluated by JsonSchema.Net under the draft the schema declares (2020-12).
/// </summary>
public sealed class ArgoWorkflowsTests
{
    private static readonly string Dir = Path.Combine(TestWorld.RepoRoot(), ArgoWorkflows.Folder);
    private static readonly Lazy<JsonSchema> Schema = new(Load);

    public static TheoryData<string> Files() => new(Directory.EnumerateFiles(Dir, "*.yaml").Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_workflow_template_validates_strictly_against_argo_workflows_published_schema(string file)
    {
        var document = YamlJson.Documents(File.ReadAllText(Path.Combine(Dir, file))).Single();

        var errors = CrdSchema.Errors(Schema.Value, document);

        Assert.True(errors.Count == 0, $"{file}: {string.Join('\n', errors)}");
        Assert.Equal("WorkflowTemplate", (string?)document!["kind"]);
    }

    [Fact]
    public void A_template_with_an_unknown_field_is_rejected_so_the_check_can_fail()
    {
        var document = YamlJson.Documents(File.ReadAllText(Path.Combine(Dir, "workflowtemplate-publish.yaml"))).Single()!;
        document["spec"]!["templates"]![1]!["script"]!["sourcee"] = "echo";

        Assert.NotEmpty(CrdSchema.Errors(Schema.Value, document));
    }

    [Fact]
    public void Secrets_come_from_the_kubernetes_secret_by_name_and_never_reach_the_test_pod()
    {
        var publish = YamlJson.Documents(File.ReadAllText(Path.Combine(Dir, "workflowtemplate-publish.yaml"))).Single()!;
        foreach (var template in publish["spec"]!["templates"]!.AsArray().Where(t => t!["script"] is not null))
        {
            var refs = template!["script"]!["env"]!.AsArray().Where(e => e!["valueFrom"] is not null).Select(e => e!["valueFrom"]!["secretKeyRef"]!).ToList();
            if ((string?)template["name"] == "test") Assert.Empty(refs);
            else Assert.All(refs, r => Assert.Equal(TektonResources.SecretName, (string?)r["name"]));
        }
    }

    private static JsonSchema Load()
    {
        var published = JsonNode.Parse(File.ReadAllText(CrdSchema.PathOf("argo-workflows-schema.json")))!;
        var definitions = published["definitions"]!.DeepClone().AsObject();
        foreach (var (_, definition) in definitions) Strict(definition);
        var root = definitions["io.argoproj.workflow.v1alpha1.WorkflowTemplate"]!.DeepClone().AsObject();
        root["$schema"] = published["$schema"]!.DeepClone();
        root["definitions"] = definitions;
        return JsonSchema.FromText(root.ToJsonString(), new BuildOptions { Dialect = Dialect.Draft202012 });
    }

    private static void Strict(JsonNode? node)
    {
        if (node is not JsonObject schema) return;
        if (schema["properties"] is JsonObject properties)
        {
            schema["additionalProperties"] ??= false;
            foreach (var (_, property) in properties) Strict(property);
        }
        Strict(schema["items"]);
    }
}
