using System.Text.Json;

namespace ModelPipeline.Trust;

/// <summary>
/// What a signed image is: the model, its zoo version and its training key, carried in the cosign
/// payload's <c>optional</c> claims. Verification compares them with what was asked for (the
/// model named, the version folder resolved, the training key that version records), so a validly
/// signed image of another model or version behind a rewritten zoo manifest is refused.
/// </summary>
public sealed record SignedIdentity(string Model, int Version, string TrainingKey)
{
    public const string ModelClaim = "dev.modelpipeline.model";
    public const string VersionClaim = "dev.modelpipeline.version";
    public const string TrainingKeyClaim = "dev.modelpipeline.training-key";

    public override string ToString() =>
        $"{Model} v{Version} (training key {TrainingKey[..Math.Min(12, TrainingKey.Length)]})";

    /// <summary>Null when <paramref name="payload"/> names <paramref name="expected"/> (or nothing is expected),
    /// else the reason.</summary>
    public static string? Problem(byte[] payload, SignedIdentity? expected)
    {
        if (expected is null) return null;
        var found = Read(payload);
        if (found is null)
            return $"the signature names no model, version and training key (expected {expected}); " +
                $"sign it again with 'modelpipe sign {expected.Model}@v{expected.Version}'";
        return found == expected ? null : $"the signature is for {found}, not {expected}";
    }

    /// <summary>The identity claims of a simple-signing payload, or null when it has none.</summary>
    public static SignedIdentity? Read(byte[] payload)
    {
        try
        {
            var optional = JsonDocument.Parse(payload).RootElement.GetProperty("optional");
            if (optional.ValueKind != JsonValueKind.Object) return null;
            string? Claim(string name) =>
                optional.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var (model, version, key) = (Claim(ModelClaim), Claim(VersionClaim), Claim(TrainingKeyClaim));
            if (model is null || key is null || !int.TryParse(version, System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var n)) return null;
            return new SignedIdentity(model, n, key);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}
