using System.Text.Json;

namespace ModelPipeline.Inference;

/// <summary>A request the server refuses: <see cref="Status"/> with <c>{"error": Message}</c>.</summary>
public sealed class InferenceRequestException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>One input of a request, checked against the model: its spec, shape and flattened elements.</summary>
public sealed record RequestInput(TensorSpec Spec, long[] Shape, IReadOnlyList<JsonElement> Elements);

/// <summary>
/// The <c>$inference_request</c> object of the Open Inference Protocol, checked against the served
/// model: <c>id</c> (optional string, echoed), <c>inputs</c> (every model input once, with the
/// model's datatype, a shape that fits the model's and as many elements as the shape holds; data
/// flat or nested, row-major), <c>outputs</c> (optional names; default every output). Any mismatch
/// is a 400 naming the input and what to send.
/// Spec: https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md
/// ("Inference Request JSON Object", "Tensor Data").
/// </summary>
public sealed record InferRequest
{
    public string? Id { get; init; }
    public required IReadOnlyList<RequestInput> Inputs { get; init; }
    public required IReadOnlyList<TensorSpec> Outputs { get; init; }

    public static InferRequest Parse(ServedModel model, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw Bad("the request body must be a JSON object ($inference_request)");
        string? id = null;
        if (root.TryGetProperty("id", out var idElement))
            id = idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : throw Bad("'id' must be a string");
        if (!root.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array)
            throw Bad($"'inputs' must be an array of input tensors; model '{model.Name}' takes {Describe(model.Inputs)}");
        var parsed = new List<RequestInput>();
        foreach (var input in inputs.EnumerateArray())
        {
            var one = ParseInput(model, input);
            if (parsed.Any(p => p.Spec.Name == one.Spec.Name)) throw Bad($"input '{one.Spec.Name}' is given twice");
            parsed.Add(one);
        }
        var missing = model.Inputs.Where(i => parsed.All(p => p.Spec.Name != i.Name)).Select(i => i.Name).ToList();
        if (missing.Count > 0) throw Bad($"input(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} missing; model '{model.Name}' takes {Describe(model.Inputs)}");
        return new InferRequest { Id = id, Inputs = parsed, Outputs = ParseOutputs(model, root) };
    }

    private static RequestInput ParseInput(ServedModel model, JsonElement input)
    {
        if (input.ValueKind != JsonValueKind.Object) throw Bad("each input must be an object with name, shape, datatype and data");
        var name = input.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : throw Bad("an input has no 'name' string");
        var spec = model.Inputs.FirstOrDefault(i => i.Name == name)
            ?? throw Bad($"model '{model.Name}' has no input '{name}'; it takes {Describe(model.Inputs)}");
        var datatype = input.TryGetProperty("datatype", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        if (datatype != spec.Datatype) throw Bad($"input '{name}': datatype {datatype ?? "(none)"} given, the model takes {spec.Datatype}");
        var shape = ParseShape(input, name);
        if (shape.Length != spec.Shape.Count || shape.Where((dim, i) => spec.Shape[i] >= 0 && spec.Shape[i] != dim).Any())
            throw Bad($"input '{name}': shape [{string.Join(", ", shape)}] given, the model takes {Shape(spec.Shape)} (-1: any size)");
        if (!input.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array) throw Bad($"input '{name}': 'data' must be an array");
        var elements = new List<JsonElement>();
        Flatten(data, elements, name);
        var count = shape.Aggregate(1L, (a, b) => a > int.MaxValue ? a : a * b); // no overflow: dims are <= int.MaxValue
        if (elements.Count != count)
            throw Bad($"input '{name}': {elements.Count} element(s) given, shape [{string.Join(", ", shape)}] holds {count}");
        return new RequestInput(spec, shape, elements);
    }

    private static long[] ParseShape(JsonElement input, string name)
    {
        if (!input.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array)
            throw Bad($"input '{name}': 'shape' must be an array of non-negative integers");
        var dims = new List<long>();
        foreach (var dim in shape.EnumerateArray())
            dims.Add(dim.ValueKind == JsonValueKind.Number && dim.TryGetInt64(out var v) && v >= 0 && v <= int.MaxValue ? v
                : throw Bad($"input '{name}': shape dimension {dim.GetRawText()} is not a non-negative integer"));
        return [.. dims];
    }

    /// <summary>Data may be flat or nested (row-major); either way the elements come out in order.</summary>
    private static void Flatten(JsonElement data, List<JsonElement> into, string name, int depth = 0)
    {
        if (depth > 32) throw Bad($"input '{name}': 'data' is nested deeper than 32 levels");
        foreach (var item in data.EnumerateArray())
            if (item.ValueKind == JsonValueKind.Array) Flatten(item, into, name, depth + 1);
            else into.Add(item);
    }

    private static IReadOnlyList<TensorSpec> ParseOutputs(ServedModel model, JsonElement root)
    {
        if (!root.TryGetProperty("outputs", out var outputs)) return model.Outputs;
        if (outputs.ValueKind != JsonValueKind.Array) throw Bad("'outputs' must be an array of {\"name\": ...} objects");
        var wanted = new List<TensorSpec>();
        foreach (var output in outputs.EnumerateArray())
        {
            var name = output.ValueKind == JsonValueKind.Object && output.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                ? n.GetString()! : throw Bad("each requested output must be an object with a 'name' string");
            var spec = model.Outputs.FirstOrDefault(o => o.Name == name)
                ?? throw Bad($"model '{model.Name}' has no output '{name}'; it produces {Describe(model.Outputs)}");
            if (!wanted.Contains(spec)) wanted.Add(spec);
        }
        return wanted.Count > 0 ? wanted : throw Bad("'outputs' is empty; leave it out to get every output");
    }

    internal static string Describe(IEnumerable<TensorSpec> specs) =>
        string.Join(", ", specs.Select(s => $"'{s.Name}' {s.Datatype} {Shape(s.Shape)}"));

    private static string Shape(IReadOnlyList<long> shape) => $"[{string.Join(", ", shape)}]";

    internal static InferenceRequestException Bad(string message) => new(400, message);
}
