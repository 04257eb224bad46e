using System.Text.Json;
using ModelPipeline.Configuration;
using ModelPipeline.RunState;

namespace ModelPipeline.Tests.Configuration;

/// <summary>
/// The start-up warm-up builds the JSON metadata of the settings and records on options no serializer has used yet,
/// which have no resolver until their first use: it must give them one, or it builds nothing (it once threw, and the
/// warm-up swallowed that, on every run).
/// </summary>
public sealed class JsonWarmUpTests
{
    private static readonly JsonSerializerOptions Usual = new(JsonSerializerDefaults.Web);

    [Fact]
    public void Options_not_used_yet_get_the_metadata_and_read_documents_as_before()
    {
        var fresh = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        JsonWarmUp.Prepare(fresh, typeof(PipelineConfig), typeof(PackageRecordProbe));
        Assert.True(fresh.IsReadOnly);
        Assert.NotEmpty(fresh.GetTypeInfo(typeof(PipelineConfig)).Properties);

        // Defaults of init-only properties a document leaves out are kept, as with options used the usual way.
        var warmed = JsonSerializer.Deserialize<PackageRecordProbe>("""{ "name": "x" }""", fresh)!;
        Assert.Equal(("x", 3), (warmed.Name, warmed.Retries));
        Assert.Equal(warmed, JsonSerializer.Deserialize<PackageRecordProbe>("""{ "name": "x" }""", Usual));
    }

    [Fact]
    public void Every_type_the_warm_up_names_is_prepared_without_error() => JsonWarmUp.PrepareAll();

    public sealed record PackageRecordProbe
    {
        public string Name { get; init; } = "";
        public int Retries { get; init; } = 3;
    }
}
