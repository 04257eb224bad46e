using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace ModelPipeline.Validation;

/// <summary>
/// Loads an ONNX model with ONNX Runtime and runs the model's test vectors through it.
/// Test vector file: <c>{"inputs": {NAME: {"shape": [..], "data": [..]}}, "outputs": {NAME: {...}}}</c>,
/// float tensors; every expected output must match within the tolerance.
/// </summary>
internal static class OnnxSmokeTest
{
    public static CheckResult Load(string onnxPath)
    {
        try
        {
            using var session = new InferenceSession(onnxPath);
            var inputs = string.Join(", ", session.InputMetadata.Select(i => $"{i.Key}[{string.Join(',', i.Value.Dimensions)}]"));
            return new CheckResult("onnx-load", true, $"ONNX Runtime loaded the model; inputs: {inputs}");
        }
        catch (OnnxRuntimeException ex)
        {
            return new CheckResult("onnx-load", false, $"ONNX Runtime cannot load {Path.GetFileName(onnxPath)}: {FirstLine(ex.Message)}");
        }
    }

    public static CheckResult Run(string onnxPath, string vectorsPath, double tolerance)
    {
        TestVectors vectors;
        try
        {
            using var stream = File.OpenRead(vectorsPath);
            vectors = JsonSerializer.Deserialize<TestVectors>(stream, RunState.RunStateStore.Json)
                ?? throw new JsonException("empty document");
        }
        catch (JsonException ex)
        {
            return new CheckResult("test-vectors", false, $"{Path.GetFileName(vectorsPath)} is not a valid test vector file: {ex.Message}");
        }

        try
        {
            using var session = new InferenceSession(onnxPath);
            var inputValues = vectors.Inputs.Select(i => OrtValue.CreateTensorValueFromMemory(i.Value.Data, i.Value.Shape)).ToList();
            try
            {
                var outputNames = vectors.Outputs.Keys.ToList();
                using var options = new RunOptions();
                using var results = session.Run(options, vectors.Inputs.Keys.ToList(), inputValues, outputNames);
                var worst = 0.0;
                for (var o = 0; o < outputNames.Count; o++)
                {
                    var expected = vectors.Outputs[outputNames[o]].Data;
                    var actual = results[o].GetTensorDataAsSpan<float>();
                    if (actual.Length != expected.Length)
                        return new CheckResult("test-vectors", false, $"output '{outputNames[o]}' has {actual.Length} values, expected {expected.Length}");
                    for (var i = 0; i < expected.Length; i++)
                    {
                        var diff = Math.Abs(actual[i] - expected[i]);
                        if (double.IsNaN(diff) || diff > tolerance)
                            return new CheckResult("test-vectors", false, $"output '{outputNames[o]}'[{i}] = {actual[i]:G6}, expected {expected[i]:G6} (difference {diff:G3} > tolerance {tolerance:G3})");
                        worst = Math.Max(worst, diff);
                    }
                }
                var count = vectors.Inputs.Values.First().Shape.FirstOrDefault();
                return new CheckResult("test-vectors", true, $"{count} test vector(s) within tolerance {tolerance:G3} (largest difference {worst:G3})");
            }
            finally
            {
                foreach (var v in inputValues) v.Dispose();
            }
        }
        catch (OnnxRuntimeException ex)
        {
            return new CheckResult("test-vectors", false, $"inference failed: {FirstLine(ex.Message)}");
        }
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    private sealed record TestVectors
    {
        public required Dictionary<string, Tensor> Inputs { get; init; }
        public required Dictionary<string, Tensor> Outputs { get; init; }
    }

    private sealed record Tensor
    {
        public required long[] Shape { get; init; }
        public required float[] Data { get; init; }
    }
}
