namespace IrisTrainer;

/// <summary>
/// Writes a softmax-regression classifier as an ONNX model (IR version 8, opset 13):
/// probabilities = Softmax(((input - mean) / std) x W + b).
/// Field numbers follow onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto).
/// </summary>
internal static class OnnxModel
{
    private const int FloatType = 1;

    public static byte[] Build(float[] mean, float[] std, float[,] weights, float[] bias, string version)
    {
        int features = weights.GetLength(0), classes = weights.GetLength(1);
        var graph = new ProtoWriter()
            .Message(1, Node("Sub", ["input", "mean"], ["centered"]))
            .Message(1, Node("Div", ["centered", "std"], ["scaled"]))
            .Message(1, Node("MatMul", ["scaled", "weights"], ["logits_raw"]))
            .Message(1, Node("Add", ["logits_raw", "bias"], ["logits"]))
            .Message(1, Node("Softmax", ["logits"], ["probabilities"]).Message(5, new ProtoWriter().String(1, "axis").Int(3, 1).Int(20, 2)))
            .String(2, "iris_softmax_regression")
            .Message(5, Tensor("mean", [features], mean))
            .Message(5, Tensor("std", [features], std))
            .Message(5, Tensor("weights", [features, classes], Flatten(weights)))
            .Message(5, Tensor("bias", [classes], bias))
            .Message(11, Value("input", features))
            .Message(12, Value("probabilities", classes));
        return new ProtoWriter()
            .Int(1, 8)
            .String(2, "modelpipeline-iris-trainer")
            .String(3, version)
            .Message(7, graph)
            .Message(8, new ProtoWriter().String(1, "").Int(2, 13))
            .ToArray();
    }

    private static ProtoWriter Node(string op, string[] inputs, string[] outputs)
    {
        var node = new ProtoWriter();
        foreach (var i in inputs) node.String(1, i);
        foreach (var o in outputs) node.String(2, o);
        return node.String(3, op.ToLowerInvariant()).String(4, op);
    }

    private static ProtoWriter Tensor(string name, long[] dims, float[] values)
    {
        var tensor = new ProtoWriter();
        foreach (var d in dims) tensor.Int(1, d);
        return tensor.Int(2, FloatType).Floats(4, values).String(8, name);
    }

    /// <summary>A float tensor [batch, width] with a symbolic batch dimension.</summary>
    private static ProtoWriter Value(string name, int width)
    {
        var shape = new ProtoWriter()
            .Message(1, new ProtoWriter().String(2, "batch"))
            .Message(1, new ProtoWriter().Int(1, width));
        var tensorType = new ProtoWriter().Int(1, FloatType).Message(2, shape);
        return new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensorType));
    }

    private static float[] Flatten(float[,] m)
    {
        var result = new float[m.Length];
        var k = 0;
        for (var i = 0; i < m.GetLength(0); i++)
            for (var j = 0; j < m.GetLength(1); j++)
                result[k++] = m[i, j];
        return result;
    }
}
