using System.Text.Json;
using System.Text.Json.Nodes;
using ModelPipeline.Models;

namespace ModelPipeline.Training.Remote;

/// <summary>What a remote trainer is given: hyperparameters and references to the data (URIs and digests).</summary>
public static class RemoteInputs
{
    /// <summary>[{ "name", "uri", "sha256" } | { "name", "uri", "commit", "path" }] for each data source.</summary>
    public static JsonArray DataReferences(ModelDefinition model)
    {
        var refs = new JsonArray();
        foreach (var d in model.Data)
        {
            var item = new JsonObject { ["name"] = d.Name, ["uri"] = d.Url ?? d.Git };
            if (d.Sha256 is not null) item["sha256"] = d.Sha256;
            if (d.Commit is not null) item["commit"] = d.Commit;
            if (d.Path is not null) item["path"] = d.Path;
            refs.Add(item);
        }
        return refs;
    }

    public static JsonObject Hyperparameters(ModelDefinition model)
    {
        var result = new JsonObject();
        foreach (var (k, v) in model.Training.Hyperparameters) result[k] = JsonNode.Parse(v.GetRawText());
        return result;
    }

    public static JsonNode? Node(JsonElement value) => JsonNode.Parse(value.GetRawText());
}
