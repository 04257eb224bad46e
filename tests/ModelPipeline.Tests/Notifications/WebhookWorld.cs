using System.Text.Json;
using System.Text.Json.Nodes;
using ModelPipeline.Notifications;
using ModelPipeline.Tests.Serving;

namespace ModelPipeline.Tests.Notifications;

/// <summary>Helpers for webhook tests: a world's pipeline.json with webhooks, its delivery log, the event schema.</summary>
internal static class WebhookWorld
{
    public const string SecretVariable = "MODELPIPE_TEST_WEBHOOK_SECRET";

    /// <summary>Adds <c>notifications.webhooks</c> to the world's pipeline.json.</summary>
    public static void Configure(ServingWorld w, params object[] webhooks)
    {
        var path = Path.Combine(w.Root, "pipeline.json");
        var doc = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        doc["notifications"] = JsonSerializer.SerializeToNode(new { webhooks });
        File.WriteAllText(path, doc.ToJsonString());
    }

    public static IReadOnlyList<DeliveryRecord> Log(string path) => DeliveryLog.Read(path);

    public static string PipelineLog(ServingWorld w) => Notifier.LogPath(Path.Combine(w.Root, "artifacts"));

    /// <summary>The published event schema (pipelines/notifications/webhook-event.schema.json) checks a body.</summary>
    public static async Task AssertMatchesSchemaAsync(byte[] body)
    {
        var schema = await NJsonSchema.JsonSchema.FromFileAsync(
            Path.Combine(Support.TestWorld.RepoRoot(), "pipelines", "notifications", "webhook-event.schema.json"));
        var errors = schema.Validate(System.Text.Encoding.UTF8.GetString(body));
        Assert.True(errors.Count == 0, string.Join("; ", errors.Select(e => $"{e.Path}: {e.Kind}")));
    }
}
