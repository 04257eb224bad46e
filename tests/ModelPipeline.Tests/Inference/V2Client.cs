using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace ModelPipeline.Tests.Inference;

/// <summary>
/// A test client of the Open Inference Protocol REST API, written from the specification
/// (https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md),
/// not from the server's code: it builds <c>$inference_request</c> objects as JSON and reads the
/// answers as plain JSON documents.
/// </summary>
public sealed class V2Client(Uri address) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = address, Timeout = TimeSpan.FromMinutes(1) };

    public sealed record Answer(HttpStatusCode Status, JsonNode? Body, string ContentType);

    public Task<Answer> GetAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path));

    public Task<Answer> PostAsync(string path, string json) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") });

    public Task<Answer> PostAsync(string path, HttpContent content) => SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = content });

    /// <summary>An <c>$inference_request</c> with one FP32 input of the given shape and flat data.</summary>
    public static string Request(string input, long[] shape, IEnumerable<float> data, string? id = null, string[]? outputs = null, string datatype = "FP32")
    {
        var request = new JsonObject
        {
            ["inputs"] = new JsonArray(new JsonObject
            {
                ["name"] = input,
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
                ["datatype"] = datatype,
                ["data"] = new JsonArray(data.Select(v => (JsonNode)v).ToArray()),
            }),
        };
        if (id is not null) request["id"] = id;
        if (outputs is not null) request["outputs"] = new JsonArray(outputs.Select(o => (JsonNode)new JsonObject { ["name"] = o }).ToArray());
        return request.ToJsonString();
    }

    private async Task<Answer> SendAsync(HttpRequestMessage request)
    {
        using (request)
        using (var response = await _http.SendAsync(request))
        {
            var text = await response.Content.ReadAsStringAsync();
            return new Answer(response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response.Content.Headers.ContentType?.MediaType ?? "");
        }
    }

    public void Dispose() => _http.Dispose();
}
