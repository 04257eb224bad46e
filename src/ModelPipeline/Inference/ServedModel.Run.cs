using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ModelPipeline.Inference;

public sealed partial class ServedModel
{
    /// <summary>
    /// Runs one checked request and writes the <c>$inference_response</c>: model_name, model_version
    /// (when versioned), id (when given), and each requested output with name, datatype, shape and
    /// flat row-major data. An element of the wrong kind (a string for FP32, 300 for UINT8) is a 400.
    /// </summary>
    public void Run(InferRequest request, Utf8JsonWriter json)
    {
        var values = new List<OrtValue>();
        try
        {
            foreach (var input in request.Inputs) values.Add(Create(input));
            using var options = new RunOptions();
            using var results = _session.Run(options, request.Inputs.Select(i => i.Spec.Name).ToList(), values,
                request.Outputs.Select(o => o.Name).ToList());
            json.WriteStartObject();
            json.WriteString("model_name", Name);
            if (Version is not null) json.WriteString("model_version", Version);
            if (request.Id is not null) json.WriteString("id", request.Id);
            json.WriteStartArray("outputs");
            for (var i = 0; i < request.Outputs.Count; i++) WriteOutput(json, request.Outputs[i], results[i]);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    private static OrtValue Create(RequestInput input) => input.Spec.ElementType switch
    {
        TensorElementType.Float => Tensor(input, (JsonElement e, out float v) => e.TryGetSingle(out v) && float.IsFinite(v)),
        TensorElementType.Double => Tensor(input, (JsonElement e, out double v) => e.TryGetDouble(out v)),
        TensorElementType.Float16 => Tensor(input, (JsonElement e, out Float16 v) =>
        {
            var ok = e.TryGetSingle(out var f) && float.IsFinite(f);
            v = (Float16)f;
            return ok;
        }),
        TensorElementType.Int8 => Tensor(input, (JsonElement e, out sbyte v) => e.TryGetSByte(out v)),
        TensorElementType.Int16 => Tensor(input, (JsonElement e, out short v) => e.TryGetInt16(out v)),
        TensorElementType.Int32 => Tensor(input, (JsonElement e, out int v) => e.TryGetInt32(out v)),
        TensorElementType.Int64 => Tensor(input, (JsonElement e, out long v) => e.TryGetInt64(out v)),
        TensorElementType.UInt8 => Tensor(input, (JsonElement e, out byte v) => e.TryGetByte(out v)),
        TensorElementType.UInt16 => Tensor(input, (JsonElement e, out ushort v) => e.TryGetUInt16(out v)),
        TensorElementType.UInt32 => Tensor(input, (JsonElement e, out uint v) => e.TryGetUInt32(out v)),
        TensorElementType.UInt64 => Tensor(input, (JsonElement e, out ulong v) => e.TryGetUInt64(out v)),
        TensorElementType.Bool => Tensor(input, (JsonElement e, out bool v) =>
        {
            v = e.ValueKind == JsonValueKind.True;
            return e.ValueKind is JsonValueKind.True or JsonValueKind.False;
        }),
        TensorElementType.String => Strings(input),
        _ => throw new InferenceRequestException(400, $"input '{input.Spec.Name}': datatype {input.Spec.Datatype} is not supported"),
    };

    private delegate bool Reader<T>(JsonElement element, out T value);

    private static OrtValue Tensor<T>(RequestInput input, Reader<T> read) where T : unmanaged
    {
        var data = new T[input.Elements.Count];
        for (var i = 0; i < data.Length; i++)
        {
            var e = input.Elements[i];
            if (!(e.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False) || !read(e, out data[i]))
                throw InferRequest.Bad($"input '{input.Spec.Name}': element {i} ({Clip(e.GetRawText())}) is not a {input.Spec.Datatype} value");
        }
        return OrtValue.CreateTensorValueFromMemory(data, input.Shape);
    }

    private static OrtValue Strings(RequestInput input)
    {
        var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, input.Shape);
        for (var i = 0; i < input.Elements.Count; i++)
        {
            var e = input.Elements[i];
            if (e.ValueKind != JsonValueKind.String)
            {
                value.Dispose();
                throw InferRequest.Bad($"input '{input.Spec.Name}': element {i} ({Clip(e.GetRawText())}) is not a BYTES (string) value");
            }
            value.StringTensorSetElementAt(e.GetString()!, i);
        }
        return value;
    }

    private static void WriteOutput(Utf8JsonWriter json, TensorSpec spec, OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        json.WriteStartObject();
        json.WriteString("name", spec.Name);
        json.WriteString("datatype", spec.Datatype);
        json.WriteStartArray("shape");
        foreach (var dim in info.Shape) json.WriteNumberValue(dim);
        json.WriteEndArray();
        json.WriteStartArray("data");
        switch (info.ElementDataType)
        {
            case TensorElementType.Float: foreach (var v in value.GetTensorDataAsSpan<float>()) json.WriteNumberValue(Finite(v, spec)); break;
            case TensorElementType.Double: foreach (var v in value.GetTensorDataAsSpan<double>()) json.WriteNumberValue(Finite(v, spec)); break;
            case TensorElementType.Float16: foreach (var v in value.GetTensorDataAsSpan<Float16>()) json.WriteNumberValue(Finite((float)v, spec)); break;
            case TensorElementType.Int8: foreach (var v in value.GetTensorDataAsSpan<sbyte>()) json.WriteNumberValue(v); break;
            case TensorElementType.Int16: foreach (var v in value.GetTensorDataAsSpan<short>()) json.WriteNumberValue(v); break;
            case TensorElementType.Int32: foreach (var v in value.GetTensorDataAsSpan<int>()) json.WriteNumberValue(v); break;
            case TensorElementType.Int64: foreach (var v in value.GetTensorDataAsSpan<long>()) json.WriteNumberValue(v); break;
            case TensorElementType.UInt8: foreach (var v in value.GetTensorDataAsSpan<byte>()) json.WriteNumberValue(v); break;
            case TensorElementType.UInt16: foreach (var v in value.GetTensorDataAsSpan<ushort>()) json.WriteNumberValue(v); break;
            case TensorElementType.UInt32: foreach (var v in value.GetTensorDataAsSpan<uint>()) json.WriteNumberValue(v); break;
            case TensorElementType.UInt64: foreach (var v in value.GetTensorDataAsSpan<ulong>()) json.WriteNumberValue(v); break;
            case TensorElementType.Bool: foreach (var v in value.GetTensorDataAsSpan<bool>()) json.WriteBooleanValue(v); break;
            case TensorElementType.String: foreach (var v in value.GetStringTensorAsArray()) json.WriteStringValue(v); break;
            default: throw new InvalidOperationException($"output '{spec.Name}' has element type {info.ElementDataType}");
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>JSON has no NaN or infinity: such an output is a server error, not a silently wrong number.</summary>
    private static T Finite<T>(T v, TensorSpec spec) where T : System.Numerics.IFloatingPointIeee754<T> =>
        T.IsFinite(v) ? v : throw new InvalidOperationException($"output '{spec.Name}' holds {v}, which JSON cannot carry");

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
