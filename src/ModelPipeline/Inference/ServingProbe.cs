using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ModelPipeline.Inference;

/// <summary>What the serving check's requests found.</summary>
public sealed record ProbeOutcome(bool Passed, int Vectors, int Requests, double? P50Ms, double? P95Ms, double? LargestDifference, string Detail);

/// <summary>
/// The client side of the serving check: asks a server as a KServe caller would (model ready,
/// model metadata, then <c>POST v2/models/NAME/infer</c>), sending the validation gate's test
/// vectors (<c>{"inputs": {NAME: {shape, data}}, "outputs": {NAME: {shape, data}}}</c>) one vector per
/// request when the model's batch dimension is free (else the whole batch at once), and compares
/// every served output with the expected one within the gate's tolerance.
/// Spec: https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md
/// </summary>
public static class ServingProbe
{
    public static async Task<ProbeOutcome> RunAsync(Uri address, string model, string? vectorsPath, double tolerance, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
        var (readyStatus, ready) = await SendAsync(http, HttpMethod.Get, $"v2/models/{model}/ready", null, ct);
        if (readyStatus != 200 || ready?["ready"]?.GetValue<bool>() != true)
            return Failed(0, 0, $"GET v2/models/{model}/ready answered {readyStatus}: {ready?.ToJsonString()}");
        var (metaStatus, metadata) = await SendAsync(http, HttpMethod.Get, $"v2/models/{model}", null, ct);
        if (metaStatus != 200 || metadata?["inputs"] is not JsonArray specs)
            return Failed(0, 0, $"GET v2/models/{model} answered {metaStatus} without inputs: {metadata?.ToJsonString()}");
        if (vectorsPath is null)
            return new ProbeOutcome(true, 0, 0, null, null, null, $"ready; metadata lists {specs.Count} input(s); the model has no test vectors to send");

        var vectors = JsonNode.Parse(await File.ReadAllTextAsync(vectorsPath, ct))!;
        var inputs = Tensors(vectors["inputs"]);
        var expected = Tensors(vectors["outputs"]);
        var rows = inputs.Count == 0 || inputs[0].Shape.Length == 0 ? 1 : (int)inputs[0].Shape[0];
        // One vector per request when every tensor is batched along a first dimension the model leaves free.
        var perVector = rows > 1 && inputs.Concat(expected).All(t => t.Shape.Length > 0 && t.Shape[0] == rows)
            && specs.All(s => s?["shape"]?.AsArray().FirstOrDefault()?.GetValue<long>() == -1);
        var requests = perVector ? Enumerable.Range(0, rows).Select(r => (Index: r, Count: 1)).ToList() : [(Index: 0, Count: rows)];

        var latencies = new List<double>();
        var largest = 0.0;
        foreach (var (index, count) in requests)
        {
            var id = $"vector-{index}";
            var body = new JsonObject
            {
                ["id"] = id,
                ["inputs"] = new JsonArray(inputs.Select(t => (JsonNode)Slice(t, perVector, index, count, Datatype(specs, t.Name))).ToArray()),
                ["outputs"] = new JsonArray(expected.Select(t => (JsonNode)new JsonObject { ["name"] = t.Name }).ToArray()),
            };
            var clock = Stopwatch.StartNew();
            var (status, answer) = await SendAsync(http, HttpMethod.Post, $"v2/models/{model}/infer", body.ToJsonString(), ct);
            latencies.Add(clock.Elapsed.TotalMilliseconds);
            var what = perVector ? $"test vector {index}" : "the test vectors";
            if (status != 200) return Failed(rows, latencies.Count, $"{what}: POST v2/models/{model}/infer answered {status}: {answer?["error"] ?? answer?.ToJsonString()}");
            if (answer?["id"]?.GetValue<string>() != id) return Failed(rows, latencies.Count, $"{what}: the answer did not echo the request id '{id}'");
            foreach (var output in expected)
            {
                var served = answer["outputs"]?.AsArray().FirstOrDefault(o => o?["name"]?.GetValue<string>() == output.Name)?["data"]?.AsArray();
                var want = perVector ? output.Data.Skip(index * output.Data.Length / rows).Take(output.Data.Length / rows).ToArray() : output.Data;
                if (served is null || served.Count != want.Length)
                    return Failed(rows, latencies.Count, $"{what}: output '{output.Name}' has {served?.Count.ToString(CultureInfo.InvariantCulture) ?? "no"} value(s), expected {want.Length}");
                for (var i = 0; i < want.Length; i++)
                {
                    var diff = Math.Abs(served[i]!.GetValue<double>() - want[i]);
                    if (double.IsNaN(diff) || diff > tolerance)
                        return Failed(rows, latencies.Count, $"{what}: output '{output.Name}'[{i}] = {served[i]!.GetValue<double>():G6} over HTTP, expected {want[i]:G6} " +
                            $"(difference {diff:G3} > tolerance {tolerance:G3})");
                    largest = Math.Max(largest, diff);
                }
            }
        }
        var (p50, p95) = (Percentile(latencies, 50), Percentile(latencies, 95));
        return new ProbeOutcome(true, rows, latencies.Count, p50, p95, largest,
            $"{rows} test vector(s) in {latencies.Count} request(s) within tolerance {tolerance:G3} (largest difference {largest:G3}); " +
            $"latency p50 {p50:F1} ms, p95 {p95:F1} ms");
    }

    /// <summary>Nearest-rank percentile of the request latencies, rounded to 0.1 ms.</summary>
    public static double Percentile(IReadOnlyList<double> values, int percent)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Count);
        return Math.Round(sorted[Math.Clamp(rank, 1, sorted.Count) - 1], 1);
    }

    private sealed record Tensor(string Name, long[] Shape, double[] Data);

    private static List<Tensor> Tensors(JsonNode? node) => node is JsonObject tensors
        ? tensors.Select(t => new Tensor(t.Key, t.Value!["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray(),
            t.Value!["data"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray())).ToList()
        : throw new InvalidDataException("a test vector file needs \"inputs\" and \"outputs\" objects");

    private static string Datatype(JsonArray specs, string name) =>
        specs.FirstOrDefault(s => s?["name"]?.GetValue<string>() == name)?["datatype"]?.GetValue<string>() ?? "FP32";

    private static JsonObject Slice(Tensor t, bool perVector, int index, int count, string datatype)
    {
        var shape = perVector ? [count, .. t.Shape[1..]] : t.Shape;
        var size = perVector ? t.Data.Length / t.Shape[0] : t.Data.Length;
        return new JsonObject
        {
            ["name"] = t.Name,
            ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
            ["datatype"] = datatype,
            ["data"] = new JsonArray(t.Data.Skip((int)(index * size)).Take((int)(count * size)).Select(v => (JsonNode)v).ToArray()),
        };
    }

    private static async Task<(int Status, JsonNode? Body)> SendAsync(HttpClient http, HttpMethod method, string path, string? json, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
        }
        catch (System.Text.Json.JsonException)
        {
            return ((int)response.StatusCode, JsonValue.Create(text));
        }
    }

    private static ProbeOutcome Failed(int vectors, int requests, string detail) => new(false, vectors, requests, null, null, null, detail);
}
