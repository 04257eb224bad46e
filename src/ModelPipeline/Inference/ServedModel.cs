using Microsoft.ML.OnnxRuntime;
using ModelPipeline.Errors;

namespace ModelPipeline.Inference;

/// <summary>
/// One ONNX model loaded into ONNX Runtime for serving: its name and version as the Open Inference
/// Protocol addresses it, its inputs and outputs read from the graph, and inference on parsed
/// requests (<see cref="InferRequest"/>). ONNX Runtime's <c>Run</c> is safe to call from several
/// requests at once.
/// </summary>
public sealed partial class ServedModel : IDisposable
{
    private readonly InferenceSession _session;

    private ServedModel(string name, string? version, InferenceSession session)
    {
        Name = name;
        Version = version;
        _session = session;
        Inputs = Specs(session.InputMetadata, "input");
        Outputs = Specs(session.OutputMetadata, "output");
    }

    public string Name { get; }

    /// <summary>The zoo version served (<c>v3</c>); null when the files are not a published version yet.</summary>
    public string? Version { get; }

    public IReadOnlyList<TensorSpec> Inputs { get; }

    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>Loads <paramref name="onnxPath"/>; a file ONNX Runtime cannot load, or a tensor type the protocol cannot carry, fails here.</summary>
    public static ServedModel Load(string name, string? version, string onnxPath)
    {
        InferenceSession session;
        try
        {
            session = new InferenceSession(onnxPath);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new OperationFailedException($"model '{name}': ONNX Runtime cannot load {Path.GetFileName(onnxPath)}: " +
                $"{ex.Message.Split('\n')[0].Trim()}. Fix: publish a version whose ONNX file loads (Validate checks it).") { Model = name };
        }
        try
        {
            return new ServedModel(name, version, session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Whether a request for <paramref name="name"/> (and <paramref name="version"/>, when given) is for this model.</summary>
    public bool Serves(string name, string? version) =>
        name == Name && (version is null || (Version is not null && (version == Version || "v" + version == Version)));

    public void Dispose() => _session.Dispose();

    private List<TensorSpec> Specs(IReadOnlyDictionary<string, NodeMetadata> metadata, string what)
    {
        var specs = new List<TensorSpec>();
        foreach (var (name, node) in metadata)
        {
            var datatype = node.IsTensor ? TensorDatatypes.Name(node.ElementDataType) : null;
            if (datatype is null)
                throw new OperationFailedException($"model '{Name}': the ONNX {what} '{name}' is a {node.OnnxValueType} of " +
                    $"{node.ElementDataType}, which the Open Inference Protocol has no datatype for. " +
                    "Fix: export the model with tensor inputs and outputs of a protocol datatype (e.g. FP32, INT64).") { Model = Name };
            specs.Add(new TensorSpec(name, datatype, node.Dimensions.Select(d => (long)d).ToList()) { ElementType = node.ElementDataType });
        }
        return specs;
    }
}
