using System.Globalization;
using System.Text.Json;
using IrisTrainer;

// Trains a softmax-regression classifier on the iris data set (Fisher, 1936; public domain) with
// full-batch gradient descent, then writes model.onnx, metrics.json and test_vectors.json to
// $MP_OUTPUT_DIR. Deterministic: the same data and hyperparameters give the same bytes.
var data = Require("MP_DATA_IRIS");
var output = Require("MP_OUTPUT_DIR");
var hp = JsonDocument.Parse(Environment.GetEnvironmentVariable("MP_HYPERPARAMETERS") ?? "{}").RootElement;
var learningRate = Number(hp, "learning_rate", 0.1);
var epochs = (int)Number(hp, "epochs", 500);
var l2 = Number(hp, "l2", 0.0001);

var rows = File.ReadLines(data).Skip(1).Where(l => l.Length > 0)
    .Select(l => l.Split(',')).Select(p => (X: p[..4].Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray(), Y: int.Parse(p[4], CultureInfo.InvariantCulture)))
    .ToList();
// Every fifth row is held out for evaluation; the rest trains.
var test = rows.Where((_, i) => i % 5 == 0).ToList();
var train = rows.Where((_, i) => i % 5 != 0).ToList();
const int F = 4, C = 3;
Console.WriteLine($"iris: {train.Count} training rows, {test.Count} test rows; learning_rate={learningRate}, epochs={epochs}, l2={l2}");

var mean = new float[F];
var std = new float[F];
for (var f = 0; f < F; f++)
{
    mean[f] = (float)train.Average(r => r.X[f]);
    std[f] = (float)Math.Sqrt(train.Average(r => Math.Pow(r.X[f] - mean[f], 2)));
}

var w = new double[F, C];
var b = new double[C];
for (var epoch = 1; epoch <= epochs; epoch++)
{
    var gw = new double[F, C];
    var gb = new double[C];
    foreach (var (x, y) in train)
    {
        var p = Predict(Scale(x), w, b);
        for (var c = 0; c < C; c++)
        {
            var err = p[c] - (c == y ? 1 : 0);
            gb[c] += err;
            for (var f = 0; f < F; f++) gw[f, c] += err * Scale(x)[f];
        }
    }
    for (var c = 0; c < C; c++)
    {
        b[c] -= learningRate * gb[c] / train.Count;
        for (var f = 0; f < F; f++) w[f, c] -= learningRate * (gw[f, c] / train.Count + l2 * w[f, c]);
    }
    if (epoch % Math.Max(1, epochs / 5) == 0) Console.WriteLine($"epoch {epoch}: train loss {LogLoss(train):F4}");
}

var weights = new float[F, C];
for (var f = 0; f < F; f++) for (var c = 0; c < C; c++) weights[f, c] = (float)w[f, c];
var bias = b.Select(v => (float)v).ToArray();

var metrics = new Dictionary<string, double>
{
    ["accuracy"] = Math.Round(Accuracy(test), 6),
    ["train_accuracy"] = Math.Round(Accuracy(train), 6),
    ["log_loss"] = Math.Round(LogLoss(test), 6),
    ["test_rows"] = test.Count,
};
Directory.CreateDirectory(output);
File.WriteAllBytes(Path.Combine(output, "model.onnx"), OnnxModel.Build(mean, std, weights, bias, Environment.GetEnvironmentVariable("MP_TRAINING_KEY") ?? "dev"));
File.WriteAllText(Path.Combine(output, "metrics.json"), JsonSerializer.Serialize(metrics, new JsonSerializerOptions { WriteIndented = true }));
var vectors = new
{
    inputs = new { input = new { shape = new[] { test.Count, F }, data = test.SelectMany(r => r.X) } },
    outputs = new { probabilities = new { shape = new[] { test.Count, C }, data = test.SelectMany(r => FloatPredict(r.X)) } },
};
File.WriteAllText(Path.Combine(output, "test_vectors.json"), JsonSerializer.Serialize(vectors));
Console.WriteLine($"accuracy {metrics["accuracy"]:F4} on {test.Count} held-out rows; wrote model.onnx, metrics.json, test_vectors.json");
return 0;

double[] Scale(float[] x) => x.Select((v, f) => (double)(v - mean[f]) / std[f]).ToArray();

double Accuracy(List<(float[] X, int Y)> set) =>
    set.Count(r => Array.IndexOf(Predict(Scale(r.X), w, b), Predict(Scale(r.X), w, b).Max()) == r.Y) / (double)set.Count;

double LogLoss(List<(float[] X, int Y)> set) => -set.Average(r => Math.Log(Math.Max(Predict(Scale(r.X), w, b)[r.Y], 1e-15)));

// The same arithmetic as the ONNX graph, in float, for the expected outputs of the test vectors.
float[] FloatPredict(float[] x)
{
    var logits = new float[C];
    for (var c = 0; c < C; c++)
    {
        var sum = 0f;
        for (var f = 0; f < F; f++) sum += (x[f] - mean[f]) / std[f] * weights[f, c];
        logits[c] = sum + bias[c];
    }
    var max = logits.Max();
    var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
    return exp.Select(e => (float)(e / exp.Sum())).ToArray();
}

static double[] Predict(double[] x, double[,] w, double[] b)
{
    var logits = new double[C];
    for (var c = 0; c < C; c++)
    {
        logits[c] = b[c];
        for (var f = 0; f < F; f++) logits[c] += x[f] * w[f, c];
    }
    var max = logits.Max();
    var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
    return exp.Select(e => e / exp.Sum()).ToArray();
}

static string Require(string name) =>
    Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : throw new InvalidOperationException($"{name} is not set; run this trainer through modelpipe train.");

static double Number(JsonElement hp, string name, double fallback) =>
    hp.ValueKind == JsonValueKind.Object && hp.TryGetProperty(name, out var v)
        ? v.ValueKind == JsonValueKind.String ? double.Parse(v.GetString()!, CultureInfo.InvariantCulture) : v.GetDouble()
        : fallback;
