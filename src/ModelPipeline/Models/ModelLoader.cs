using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using ModelPipeline.Errors;
using NJsonSchema;
using NJsonSchema.Validation;

namespace ModelPipeline.Models;

/// <summary>
/// Reads and validates <c>models/&lt;name&gt;/model.json</c>: JSON syntax, the JSON Schema
/// (<c>models/model.schema.json</c>, embedded), then rules the schema cannot express.
/// Every problem of a file is reported at once.
/// </summary>
public static class ModelLoader
{
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Disallow,
    };

    private static readonly Lazy<JsonSchema> Schema = new(() => LoadSchema("model.schema.json"));

    internal static JsonSchema LoadSchema(string resource) =>
        JsonSchema.FromJsonAsync(SchemaText(resource)).GetAwaiter().GetResult();

    /// <summary>The text of a schema embedded in this assembly.</summary>
    internal static string SchemaText(string resource)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded schema {resource} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Loads one model folder. Throws <see cref="InvalidInputException"/> listing every problem.</summary>
    public static ModelDefinition Load(string modelDir, string displayRoot)
    {
        var problems = new List<string>();
        var model = TryLoad(modelDir, displayRoot, problems);
        if (model is null || problems.Count > 0)
        {
            var file = Display(Path.Combine(modelDir, "model.json"), displayRoot);
            throw new InvalidInputException(
                $"{file} is invalid ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}); nothing was run or written:",
                problems) { Model = Path.GetFileName(modelDir) };
        }
        return model;
    }

    /// <param name="checkedBefore">The folder is known unchanged since its definition was last found valid: it is
    /// only read (a definition that no longer parses is still reported).</param>
    internal static ModelDefinition? TryLoad(string modelDir, string displayRoot, List<string> problems,
        bool checkedBefore = false)
    {
        modelDir = Path.GetFullPath(modelDir);
        var folder = Path.GetFileName(modelDir);
        var path = Path.Combine(modelDir, "model.json");
        var file = Display(path, displayRoot);
        var prefix = $"model '{folder}', {file}";
        if (!File.Exists(path))
        {
            problems.Add($"{prefix}: file not found. Fix: create it (see models/model.schema.json and docs/model-json.md).");
            return null;
        }

        var text = DefinitionFile.TryRead(path, out var unreadable);
        if (text is null)
        {
            problems.Add($"{prefix}: {unreadable}");
            return null;
        }
        if (Valid.TryGetValue((modelDir, text), out var known)) return known;
        if (checkedBefore)
        {
            try
            {
                var read = JsonSerializer.Deserialize<ModelDefinition>(text, JsonOptions)!
                    with { Directory = modelDir };
                if (Valid.Count >= ValidLimit) Valid.Clear();
                return Valid[(modelDir, text)] = read;
            }
            catch (JsonException)
            {
                // checked in full below, which words the problem
            }
        }
        try
        {
            using var document = JsonDocument.Parse(text);
            DefinitionFile.CheckStrings(document.RootElement, "$", (at, why) => problems.Add($"{prefix}: {at}: {why}"));
        }
        catch (JsonException ex)
        {
            problems.Add($"{prefix}: malformed JSON at line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}: {FirstSentence(ex.Message)} Fix: correct the JSON syntax (a JSON linter or your editor shows the spot).");
            return null;
        }
        if (problems.Count > 0) return null;

        if (!Configuration.SchemaMemo.Check("model.schema.json", text, () =>
            {
                foreach (var error in Flatten(Schema.Value.Validate(text)))
                    problems.Add($"{prefix}: {SchemaMessages.Describe(error, SchemaMessages.ModelJson)}");
                return problems.Count == 0;
            }))
        {
            using var raw = JsonDocument.Parse(text);
            ModelRules.CheckRaw(raw.RootElement, modelDir, folder, prefix, problems);
            return null;
        }

        ModelDefinition model;
        try
        {
            model = JsonSerializer.Deserialize<ModelDefinition>(text, JsonOptions)! with { Directory = modelDir };
        }
        catch (JsonException ex)
        {
            problems.Add($"{prefix}: {ex.Path}: {FirstSentence(ex.Message)} Fix: give the type the schema asks for.");
            return null;
        }

        var before = problems.Count;
        ModelRules.Check(model, folder, prefix, problems);
        if (problems.Count == before)
        {
            if (Valid.Count >= ValidLimit) Valid.Clear();
            Valid[(modelDir, text)] = model;
        }
        return model;
    }

    /// <summary>
    /// Definitions found valid in this process, by folder and exact text. Every verb loads every selected
    /// model, and build.sh runs a whole Publish as verbs of one process (<c>modelpipe steps</c>): the schema
    /// and the rules then run once per model and run, not once per step. An edited model.json is read anew.
    /// The rules' look at the folder (sources exist, no link leaves it) is not repeated; the steps that read
    /// those files check them again as they read them (<see cref="ConfinedFiles"/>, <see cref="SafePath"/>).
    /// </summary>
    private static readonly ConcurrentDictionary<(string Dir, string Text), ModelDefinition> Valid = new();

    private const int ValidLimit = 10_000;

    private static IEnumerable<ValidationError> Flatten(IEnumerable<ValidationError> errors)
    {
        foreach (var error in errors)
        {
            if (error is ChildSchemaValidationError chained && chained.Errors.Count > 0)
            {
                foreach (var child in Flatten(chained.Errors.SelectMany(e => e.Value)))
                    yield return child;
            }
            else
            {
                yield return error;
            }
        }
    }

    internal static string Display(string path, string root)
    {
        var rel = Path.GetRelativePath(root, path);
        return rel.StartsWith("..", StringComparison.Ordinal) ? path : rel.Replace('\\', '/');
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        var s = cut > 0 ? message[..cut] : message;
        return s.EndsWith('.') ? s : s + ".";
    }
}
