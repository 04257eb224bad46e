using Microsoft.ML.OnnxRuntime.Tensors;

namespace ModelPipeline.Inference;

/// <summary>
/// A model input or output as the Open Inference Protocol describes it (<c>$metadata_tensor</c>:
/// name, datatype, shape with -1 for a variable dimension), read from the ONNX graph.
/// Spec: https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md
/// </summary>
public sealed record TensorSpec(string Name, string Datatype, IReadOnlyList<long> Shape)
{
    /// <summary>The ONNX element type behind <see cref="Datatype"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public TensorElementType ElementType { get; init; }
}

/// <summary>The protocol's tensor data types ("Tensor Data Types" of the spec) and their ONNX element types.</summary>
public static class TensorDatatypes
{
    private static readonly Dictionary<TensorElementType, string> Names = new()
    {
        [TensorElementType.Bool] = "BOOL",
        [TensorElementType.UInt8] = "UINT8",
        [TensorElementType.UInt16] = "UINT16",
        [TensorElementType.UInt32] = "UINT32",
        [TensorElementType.UInt64] = "UINT64",
        [TensorElementType.Int8] = "INT8",
        [TensorElementType.Int16] = "INT16",
        [TensorElementType.Int32] = "INT32",
        [TensorElementType.Int64] = "INT64",
        [TensorElementType.Float16] = "FP16",
        [TensorElementType.Float] = "FP32",
        [TensorElementType.Double] = "FP64",
        [TensorElementType.String] = "BYTES",
    };

    /// <summary>The protocol name of an ONNX element type; null when the protocol has none (e.g. bfloat16).</summary>
    public static string? Name(TensorElementType type) => Names.TryGetValue(type, out var name) ? name : null;
}
