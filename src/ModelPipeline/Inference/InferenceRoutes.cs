using System.Buffers;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.ML.OnnxRuntime;

namespace ModelPipeline.Inference;

/// <summary>
/// The REST endpoints of the Open Inference Protocol (paths and payloads as in "HTTP/REST" of
/// https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md):
/// <list type="bullet">
/// <item>GET v2/health/live, v2/health/ready: <c>{"live": true}</c>, <c>{"ready": true}</c></item>
/// <item>GET v2: <c>$metadata_server_response</c> (name, version, extensions)</item>
/// <item>GET v2/models/NAME[/versions/V]: <c>$metadata_model_response</c> (name, versions, platform, inputs, outputs)</item>
/// <item>GET v2/models/NAME[/versions/V]/ready: <c>$ready_model_response</c> (name, ready)</item>
/// <item>POST v2/models/NAME[/versions/V]/infer: <c>$inference_request</c> → <c>$inference_response</c></item>
/// </list>
/// Errors carry <c>{"error": "..."}</c> as the spec's error objects do: 400 for a request the model
/// cannot take, 404 for a model (or version) not served here, 413 for a body over the limit.
/// </summary>
internal static class InferenceRoutes
{
    private static readonly string ServerVersion =
        typeof(InferenceRoutes).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    public static void Map(WebApplication app, ServedModels models, long maxBodyBytes)
    {
        app.MapGet("/v2/health/live", ctx => WriteAsync(ctx, 200, j => j.WriteBoolean("live", true)));
        app.MapGet("/v2/health/ready", ctx => WriteAsync(ctx, 200, j => j.WriteBoolean("ready", true)));
        app.MapGet("/v2", ctx => WriteAsync(ctx, 200, j =>
        {
            j.WriteString("name", "modelpipe");
            j.WriteString("version", ServerVersion);
            j.WriteStartArray("extensions");
            j.WriteEndArray();
        }));
        foreach (var prefix in new[] { "/v2/models/{name}", "/v2/models/{name}/versions/{version}" })
        {
            app.MapGet(prefix, ctx => ForModel(ctx, models, model => WriteAsync(ctx, 200, j => Metadata(j, model))));
            app.MapGet(prefix + "/ready", ctx => ForModel(ctx, models, model => WriteAsync(ctx, 200, j =>
            {
                j.WriteString("name", model.Name);
                j.WriteBoolean("ready", true);
            })));
            app.MapPost(prefix + "/infer", ctx => ForModel(ctx, models, model => InferAsync(ctx, model, maxBodyBytes)));
        }
        app.MapFallback(ctx => ErrorAsync(ctx, 404, $"{ctx.Request.Method} {ctx.Request.Path} is not an Open Inference Protocol endpoint of this server"));
    }

    private static Task ForModel(HttpContext ctx, ServedModels models, Func<ServedModel, Task> handle)
    {
        var name = (string)ctx.Request.RouteValues["name"]!;
        var version = ctx.Request.RouteValues.TryGetValue("version", out var v) ? (string?)v : null;
        if (models.Find(name, version) is { } model) return handle(model);
        var asked = $"model '{name}'{(version is null ? "" : $" version '{version}'")}";
        return ErrorAsync(ctx, 404, $"{asked} is not served here; this server serves {models.Describe()}");
    }

    private static void Metadata(Utf8JsonWriter j, ServedModel model)
    {
        j.WriteString("name", model.Name);
        if (model.Version is not null)
        {
            j.WriteStartArray("versions");
            j.WriteStringValue(model.Version);
            j.WriteEndArray();
        }
        j.WriteString("platform", "onnx_onnxv1");
        foreach (var (key, specs) in new[] { ("inputs", model.Inputs), ("outputs", model.Outputs) })
        {
            j.WriteStartArray(key);
            foreach (var spec in specs)
            {
                j.WriteStartObject();
                j.WriteString("name", spec.Name);
                j.WriteString("datatype", spec.Datatype);
                j.WriteStartArray("shape");
                foreach (var dim in spec.Shape) j.WriteNumberValue(dim);
                j.WriteEndArray();
                j.WriteEndObject();
            }
            j.WriteEndArray();
        }
    }

    private static async Task InferAsync(HttpContext ctx, ServedModel model, long maxBodyBytes)
    {
        if (ctx.Request.ContentLength > maxBodyBytes)
        {
            await ErrorAsync(ctx, 413, $"the request body is {ctx.Request.ContentLength} bytes, over this server's limit of {maxBodyBytes}");
            return;
        }
        var body = new ArrayBufferWriter<byte>();
        try
        {
            using var document = await JsonDocument.ParseAsync(ctx.Request.Body, default, ctx.RequestAborted);
            var request = InferRequest.Parse(model, document.RootElement);
            using var json = new Utf8JsonWriter(body);
            model.Run(request, json);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await ErrorAsync(ctx, 413, $"the request body is over this server's limit of {maxBodyBytes} bytes");
            return;
        }
        catch (JsonException ex)
        {
            await ErrorAsync(ctx, 400, $"the request body is not valid JSON: {ex.Message}");
            return;
        }
        catch (InferenceRequestException ex)
        {
            await ErrorAsync(ctx, ex.Status, ex.Message);
            return;
        }
        catch (OnnxRuntimeException ex)
        {
            await ErrorAsync(ctx, 400, $"ONNX Runtime refused the request: {ex.Message.Split('\n')[0].Trim()}");
            return;
        }
        catch (InvalidOperationException ex)
        {
            await ErrorAsync(ctx, 500, ex.Message);
            return;
        }
        await SendAsync(ctx, 200, body);
    }

    private static Task ErrorAsync(HttpContext ctx, int status, string message) =>
        WriteAsync(ctx, status, j => j.WriteString("error", message));

    private static async Task WriteAsync(HttpContext ctx, int status, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }
        await SendAsync(ctx, status, buffer);
    }

    private static async Task SendAsync(HttpContext ctx, int status, ArrayBufferWriter<byte> body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = body.WrittenCount;
        await ctx.Response.Body.WriteAsync(body.WrittenMemory, ctx.RequestAborted);
    }
}
