using NJsonSchema.Validation;

namespace ModelPipeline.Models;

/// <summary>Turns NJsonSchema validation errors into one-line messages with a JSON path and a fix.</summary>
internal static class SchemaMessages
{
    /// <summary>Where a reader finds the fields of each validated file: its schema and its docs page.</summary>
    public const string ModelJson = "models/model.schema.json (docs/model-json.md)";
    public const string PipelineJson = "pipeline.schema.json (docs/pipeline-json.md)";
    public const string SyncJson = "pipelines/serving/sync.schema.json (docs/serving.md)";

    /// <param name="schema">The file's schema and docs page (<see cref="ModelJson"/>, <see cref="PipelineJson"/>,
    /// <see cref="SyncJson"/>), named where the message has no more precise fix.</param>
    public static string Describe(ValidationError error, string schema)
    {
        // An item or a $ref'd object that is invalid: say what is wrong inside it.
        if (error is ChildSchemaValidationError { Errors.Count: > 0 } child)
            return string.Join("; ", child.Errors.SelectMany(kv => kv.Value).Select(e => Describe(e, schema)));
        var path = JsonPath(error.Path);
        var fix = error.Kind switch
        {
            ValidationErrorKind.PropertyRequired =>
                $"missing required field '{error.Property}'. Fix: add \"{error.Property}\" " +
                $"(see its description in {schema}).",
            ValidationErrorKind.NoAdditionalPropertiesAllowed =>
                $"unknown field '{error.Property}'. Fix: remove it or correct its spelling; " +
                $"{schema} lists the allowed fields.",
            ValidationErrorKind.StringExpected => "expected a string. Fix: quote the value.",
            ValidationErrorKind.IntegerExpected => "expected a whole number. Fix: write an integer without quotes or decimals.",
            ValidationErrorKind.NumberExpected => "expected a number. Fix: write a number without quotes.",
            ValidationErrorKind.BooleanExpected => "expected true or false. Fix: write true or false without quotes.",
            ValidationErrorKind.ArrayExpected => "expected an array. Fix: wrap the value in [ ].",
            ValidationErrorKind.ObjectExpected => "expected an object. Fix: use { \"field\": value }.",
            ValidationErrorKind.NotInEnumeration =>
                $"value is not allowed. Fix: use one of {string.Join(", ", error.Schema.Enumeration.Select(e => $"'{e}'"))}.",
            ValidationErrorKind.PatternMismatch => PatternFix(path, error.Schema.Pattern),
            ValidationErrorKind.StringTooShort => "must not be empty. Fix: give a value, or remove the field if it is optional.",
            ValidationErrorKind.TooFewItems => path == "$.owners"
                ? "needs at least 1 owner. Fix: list who answers for the model, e.g. [\"ml-team@example.com\"]."
                : $"needs at least {error.Schema.MinItems} item(s). Fix: add the missing item(s).",
            ValidationErrorKind.NumberTooSmall or ValidationErrorKind.IntegerTooBig or ValidationErrorKind.NumberTooBig =>
                $"out of range (minimum {error.Schema.Minimum?.ToString() ?? "-"}, maximum {error.Schema.Maximum?.ToString() ?? "-"})."
                + " Fix: give a value within that range.",
            _ => $"{error.Kind}. Fix: see {schema}.",
        };
        return $"{path}: {fix}";
    }

    private static string PatternFix(string path, string? pattern)
    {
        if (path == "$.name")
            return "not a valid name (DNS-1123 label). Fix: use lower-case letters, digits and '-', start with a letter, end with a letter or digit, at most 63 characters.";
        if (path.EndsWith(".sha256", StringComparison.Ordinal))
            return "not a SHA-256 digest. Fix: give 64 lower-case hex characters (sha256sum FILE).";
        if (path.EndsWith(".commit", StringComparison.Ordinal))
            return "not a full commit id. Fix: give the 40-character hex commit (git rev-parse HEAD).";
        if (path.EndsWith(".url", StringComparison.Ordinal))
            return "not an http(s) URL. Fix: start it with https:// or http://.";
        return $"does not match the pattern {pattern}.";
    }

    /// <summary>NJsonSchema paths look like "#/data[0].url"; show them as "$.data[0].url".</summary>
    internal static string JsonPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "#") return "$";
        var p = path.StartsWith("#/", StringComparison.Ordinal) ? path[2..] : path.TrimStart('#');
        return "$." + p.Replace('/', '.');
    }
}
