using System.Net;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using ModelPipeline.Tests.Serving;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Inference;

/// <summary><c>modelpipe serve</c> on a published iris, asked as the Open Inference Protocol's REST spec says.</summary>
public sealed class ServeTests(PublishedIris iris) : IClassFixture<PublishedIris>
{
    [Fact]
    public async Task Serve_answers_health_server_metadata_model_metadata_and_readiness()
    {
        using var client = new V2Client(iris.Address);

        var live = await client.GetAsync("v2/health/live");
        var ready = await client.GetAsync("v2/health/ready");
        var server = await client.GetAsync("v2");
        var metadata = await client.GetAsync("v2/models/iris");
        var versioned = await client.GetAsync("v2/models/iris/versions/v1");
        var modelReady = await client.GetAsync("v2/models/iris/ready");
        var versionReady = await client.GetAsync("v2/models/iris/versions/v1/ready");

        Assert.Equal((HttpStatusCode.OK, true), (live.Status, (bool)live.Body!["live"]!));
        Assert.Equal((HttpStatusCode.OK, true), (ready.Status, (bool)ready.Body!["ready"]!));
        Assert.Equal(HttpStatusCode.OK, server.Status);
        Assert.Equal("modelpipe", (string)server.Body!["name"]!);
        Assert.False(string.IsNullOrEmpty((string)server.Body!["version"]!));
        Assert.IsType<JsonArray>(server.Body!["extensions"]);
        foreach (var answer in new[] { metadata, versioned })
        {
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.Equal("application/json", answer.ContentType);
            Assert.Equal("iris", (string)answer.Body!["name"]!);
            Assert.Equal(["v1"], answer.Body!["versions"]!.AsArray().Select(v => (string)v!));
            Assert.Equal("onnx_onnxv1", (string)answer.Body!["platform"]!);
            Assert.Equal("""[{"name":"input","datatype":"FP32","shape":[-1,4]}]""", answer.Body!["inputs"]!.ToJsonString());
            Assert.Equal("""[{"name":"probabilities","datatype":"FP32","shape":[-1,3]}]""", answer.Body!["outputs"]!.ToJsonString());
        }
        foreach (var answer in new[] { modelReady, versionReady })
            Assert.Equal((HttpStatusCode.OK, "iris", true), (answer.Status, (string)answer.Body!["name"]!, (bool)answer.Body!["ready"]!));
    }

    [Fact]
    public async Task An_infer_round_trip_equals_the_in_process_ONNX_Runtime_result()
    {
        var vectors = JsonNode.Parse(File.ReadAllText(Path.Combine(iris.OutputDir, "test_vectors.json")))!;
        var shape = vectors["inputs"]!["input"]!["shape"]!.AsArray().Select(d => (long)d!).ToArray();
        var data = vectors["inputs"]!["input"]!["data"]!.AsArray().Select(v => (float)v!).ToArray();
        float[] expected;
        using (var session = new InferenceSession(Path.Combine(iris.OutputDir, "model.onnx")))
        using (var input = OrtValue.CreateTensorValueFromMemory(data, shape))
        using (var options = new RunOptions())
        using (var results = session.Run(options, ["input"], [input], ["probabilities"]))
            expected = results[0].GetTensorDataAsSpan<float>().ToArray();
        using var client = new V2Client(iris.Address);

        var answer = await client.PostAsync("v2/models/iris/infer", V2Client.Request("input", shape, data, id: "req-42", outputs: ["probabilities"]));
        var nested = new JsonObject
        {
            ["inputs"] = new JsonArray(new JsonObject
            {
                ["name"] = "input", ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()), ["datatype"] = "FP32",
                ["data"] = new JsonArray(data.Chunk(4).Select(row => (JsonNode)new JsonArray(row.Select(v => (JsonNode)v).ToArray())).ToArray()),
            }),
        };
        var nestedAnswer = await client.PostAsync("v2/models/iris/versions/v1/infer", nested.ToJsonString());

        Assert.True(answer.Status == HttpStatusCode.OK, answer.Body?.ToJsonString());
        Assert.Equal("req-42", (string)answer.Body!["id"]!);
        Assert.Equal("iris", (string)answer.Body!["model_name"]!);
        Assert.Equal("v1", (string)answer.Body!["model_version"]!);
        var output = Assert.Single(answer.Body!["outputs"]!.AsArray())!;
        Assert.Equal("probabilities", (string)output["name"]!);
        Assert.Equal("FP32", (string)output["datatype"]!);
        Assert.Equal([shape[0], 3L], output["shape"]!.AsArray().Select(d => (long)d!));
        Assert.Equal(expected, output["data"]!.AsArray().Select(v => (float)v!));
        Assert.Equal(HttpStatusCode.OK, nestedAnswer.Status);
        Assert.Null(nestedAnswer.Body!["id"]);
        Assert.Equal(expected, nestedAnswer.Body!["outputs"]![0]!["data"]!.AsArray().Select(v => (float)v!));
    }

    [Theory]
    [InlineData("""{"inputs":[{"name":"features","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""", "no input 'features'")]
    [InlineData("""{"inputs":[{"name":"input","shape":[1,4],"datatype":"INT64","data":[1,2,3,4]}]}""", "datatype INT64 given, the model takes FP32")]
    [InlineData("""{"inputs":[{"name":"input","shape":[1,5],"datatype":"FP32","data":[1,2,3,4,5]}]}""", "shape [1, 5] given")]
    [InlineData("""{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","data":[1,2,3,4]}]}""", "4 element(s) given, shape [2, 4] holds 8")]
    [InlineData("""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,"x",4]}]}""", "element 2 (\"x\") is not a FP32 value")]
    [InlineData("""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}],"outputs":[{"name":"label"}]}""", "no output 'label'")]
    [InlineData("""{"inputs":[]}""", "input(s) 'input' missing")]
    [InlineData("""{"inputs":[{"name":"input",""", "not valid JSON")]
    public async Task A_bad_request_gets_400_with_an_error_and_the_server_keeps_serving(string body, string error)
    {
        using var client = new V2Client(iris.Address);

        var answer = await client.PostAsync("v2/models/iris/infer", body);
        var after = await client.PostAsync("v2/models/iris/infer", V2Client.Request("input", [1, 4], [5.1f, 3.5f, 1.4f, 0.2f]));

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains(error, (string)answer.Body!["error"]!);
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Equal(3, after.Body!["outputs"]![0]!["data"]!.AsArray().Count);
    }

    [Fact]
    public async Task An_unknown_model_or_version_gets_404_with_an_error()
    {
        using var client = new V2Client(iris.Address);

        var answers = new[]
        {
            await client.GetAsync("v2/models/wine"),
            await client.GetAsync("v2/models/wine/ready"),
            await client.PostAsync("v2/models/wine/infer", V2Client.Request("input", [1, 4], [1, 2, 3, 4])),
            await client.GetAsync("v2/models/iris/versions/v9"),
        };

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.NotFound, a.Status));
        Assert.Contains("model 'wine' is not served here; this server serves 'iris' version v1", (string)answers[0].Body!["error"]!);
        Assert.Contains("model 'iris' version 'v9' is not served here", (string)answers[3].Body!["error"]!);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused_with_413_and_the_server_keeps_serving()
    {
        using var client = new V2Client(iris.Address);
        var over = PublishedIris.BodyLimit + 1;

        // Declared too large: answered from the header, before any of the body is sent.
        var declared = await RawHttp.SendAsync(iris.Address, $"Content-Length: {over}\r\n", []);
        // Chunked, so only reading finds out: one chunk one byte over the limit.
        var body = System.Text.Encoding.ASCII.GetBytes($"{over:x}\r\n{new string(' ', (int)over)}\r\n0\r\n\r\n");
        var streamed = await RawHttp.SendAsync(iris.Address, "Transfer-Encoding: chunked\r\n", body);
        var live = await client.GetAsync("v2/health/live");

        Assert.Equal(413, declared.Status);
        Assert.Contains($"is {over} bytes, over this server's limit of {PublishedIris.BodyLimit}", (string)declared.Body!["error"]!);
        Assert.Equal(413, streamed.Status);
        Assert.Contains($"over this server's limit of {PublishedIris.BodyLimit} bytes", (string)streamed.Body!["error"]!);
        Assert.Equal(HttpStatusCode.OK, live.Status);
    }

    [Fact]
    public async Task Serve_refuses_a_tampered_image_at_pull_time_and_serves_nothing()
    {
        using var world = iris.CopyWorld();
        var layout = Path.Combine(world.Root, ".pipeline", "oci");
        var digest = new ModelPipeline.Oci.OciLayout(layout).Resolve("iris-v1")!.Digest;
        var layer = OciLayoutWriter.BlobPath(layout, OciLayoutWriter.Layers(layout, digest)[^1]);
        var bytes = File.ReadAllBytes(layer);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(layer, bytes);

        var result = await Modelpipe.RunAsync(world.Root, "serve", "iris@v1", "--port", "0");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("digest mismatch", result.StdErr);
        Assert.DoesNotContain("serving iris", result.StdOut);
    }

    [Fact]
    public async Task Serve_stops_on_SIGTERM_with_exit_code_0()
    {
        using var server = DaemonProcess.Start(iris.World.Root, ["serve", "iris@v1", "--port", "0"]);
        await server.UntilAsync(() => server.Output.Contains("serving iris v1 at http://127.0.0.1:", StringComparison.Ordinal), TimeSpan.FromMinutes(2), "the server to listen");

        server.Terminate();

        Assert.Equal(0, await server.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("stopping: requests in flight finish", server.Output);
    }
}
