using System.Text.Json;
using ModelPipeline.Errors;
using ModelPipeline.Oci;

namespace ModelPipeline.Trust;

/// <summary>What <c>modelpipe verify</c> found for one image digest.</summary>
public sealed record VerificationResult
{
    public required string Digest { get; init; }
    public required string Store { get; init; }
    public required string Signature { get; init; }
    public required string Sbom { get; init; }
    public required string Provenance { get; init; }
}

/// <summary>
/// Verifies an image from its digest alone and fails closed: a cosign signature by the key that
/// names this digest and repository; a CycloneDX SBOM artifact whose subject is the image, signed,
/// describing this digest (and, when given, exactly the expected files); an in-toto SLSA provenance
/// artifact whose DSSE envelope verifies with the key and whose subject is this digest.
/// Every missing or wrong piece is named; any one fails the verification.
/// </summary>
public static class ImageVerifier
{
    public static async Task<VerificationResult> VerifyAsync(IArtifactStore store, string digest, VerificationKey key,
        IReadOnlyDictionary<string, string>? expectedFiles, CancellationToken ct, SignedIdentity? identity = null)
    {
        var problems = new List<string>();
        if (await CosignSignature.VerifyAsync(store, digest, key, ct, identity) is { } signatureProblem)
            problems.Add($"signature: {signatureProblem}");
        var referrers = await Referrers.ListAsync(store, digest, ct);
        var sbom = await CheckAsync(store, digest, referrers, Sbom.MediaType, "SBOM", problems, async (manifest, content) =>
        {
            if (await CosignSignature.VerifyAsync(store, manifest, key, ct) is { } p) return $"its signature: {p}";
            return SbomProblem(content, digest, expectedFiles);
        }, ct);
        var provenance = await CheckAsync(store, digest, referrers, ImageAttestor.ProvenanceArtifactType, "provenance", problems,
            (_, content) => Task.FromResult(ProvenanceProblem(content, digest, key)), ct);
        if (problems.Count > 0)
        {
            var list = string.Join(Environment.NewLine + "  - ", problems);
            throw new OperationFailedException($"{store.Repository}@{digest} failed verification in {store.Describe}:" +
                $"{Environment.NewLine}  - {list}{Environment.NewLine}{Fix(problems, identity)}");
        }
        return new VerificationResult { Digest = digest, Store = store.Describe, Signature = CosignSignature.Tag(digest), Sbom = sbom!, Provenance = provenance! };
    }

    /// <summary>A fix that works: an image of another model or version is never signed over; a missing or
    /// stale signature is added by <c>modelpipe sign</c>.</summary>
    private static string Fix(List<string> problems, SignedIdentity? identity)
    {
        var name = identity is null ? "NAME@vN" : $"{identity.Model}@v{identity.Version}";
        if (problems.Any(p => p.Contains("the signature is for ", StringComparison.Ordinal)))
            return "Fix: do not use this image: it is signed as another model or version, so the zoo record of " +
                $"{name} or the registry was rewritten. Restore the zoo (git history) and the registry from a " +
                "trusted copy. Only if the zoo is intact and another version (here or in another zoo) records this " +
                $"same image, was {name}'s own signature lost: then run 'modelpipe sign {name}'.";
        return "Fix: do not use this image until it verifies. If it is the one the zoo records and is only unsigned, " +
            "signed before its version was known, or its SBOM or provenance lacks a signature, run " +
            $"'modelpipe sign {name}' with the signing key in the variable signing.keyEnv names " +
            "(MODELPIPE_SIGNING_KEY by default); if it was signed by another key, check that the public key belongs " +
            "to the signer.";
    }

    /// <summary>Finds the referrers of one type; returns the digest of the first that passes <paramref name="check"/>, else records why none did.</summary>
    private static async Task<string?> CheckAsync(IArtifactStore store, string digest, IReadOnlyList<Descriptor> referrers, string artifactType, string what,
        List<string> problems, Func<string, byte[], Task<string?>> check, CancellationToken ct)
    {
        var candidates = referrers.Where(r => r.ArtifactType == artifactType).ToList();
        if (candidates.Count == 0) { problems.Add($"{what}: none attached (no referrer of type {artifactType})"); return null; }
        var reasons = new List<string>();
        foreach (var candidate in candidates)
        {
            var bytes = await store.TryGetManifestAsync(candidate.Digest, ct);
            if (bytes is null) { reasons.Add($"{candidate.Digest} is listed but missing"); continue; }
            var manifest = OciJson.Deserialize<ArtifactManifest>(bytes, $"{what} manifest {candidate.Digest}");
            if (manifest.Subject?.Digest != digest) { reasons.Add($"{candidate.Digest} names subject {manifest.Subject?.Digest ?? "(none)"}"); continue; }
            if (manifest.Layers.Count != 1) { reasons.Add($"{candidate.Digest} has {manifest.Layers.Count} layers, expected 1"); continue; }
            var content = await store.ReadBlobAsync(manifest.Layers[0], ct);
            if (await check(candidate.Digest, content) is { } reason) { reasons.Add($"{candidate.Digest}: {reason}"); continue; }
            return candidate.Digest;
        }
        problems.Add($"{what}: {string.Join("; ", reasons)}");
        return null;
    }

    private static string? SbomProblem(byte[] content, string digest, IReadOnlyDictionary<string, string>? expectedFiles)
    {
        try
        {
            var bom = JsonDocument.Parse(content).RootElement;
            if (bom.GetProperty("bomFormat").GetString() != "CycloneDX" || bom.GetProperty("specVersion").GetString() != "1.6") return "not a CycloneDX 1.6 BOM";
            if (bom.GetProperty("metadata").GetProperty("component").GetProperty("version").GetString() != digest) return "it describes another image";
            if (expectedFiles is null) return null;
            var listed = bom.GetProperty("components").EnumerateArray()
                .Where(c => c.GetProperty("bom-ref").GetString()!.StartsWith("file:", StringComparison.Ordinal))
                .ToDictionary(c => c.GetProperty("bom-ref").GetString()![5..], c => c.GetProperty("hashes")[0].GetProperty("content").GetString()!, StringComparer.Ordinal);
            var wrong = expectedFiles.Where(f => listed.GetValueOrDefault(f.Key) != f.Value).Select(f => f.Key).Concat(listed.Keys.Except(expectedFiles.Keys)).ToList();
            return wrong.Count == 0 ? null : $"its files differ from the zoo's ({string.Join(", ", wrong)})";
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return "not valid CycloneDX JSON";
        }
    }

    private static string? ProvenanceProblem(byte[] content, string digest, VerificationKey key)
    {
        try
        {
            var envelope = OciJson.Deserialize<DsseEnvelope>(content, "DSSE envelope");
            if (envelope.PayloadType != DsseEnvelope.InTotoPayloadType) return $"payload type {envelope.PayloadType}, expected {DsseEnvelope.InTotoPayloadType}";
            if (envelope.Signatures.Count == 0) return "the DSSE envelope is not signed";
            if (!envelope.VerifiedBy(key)) return "the DSSE signature does not verify with the public key";
            var statement = JsonDocument.Parse(Convert.FromBase64String(envelope.Payload)).RootElement;
            if (statement.GetProperty("_type").GetString() != Provenance.StatementType) return "the payload is not an in-toto Statement v1";
            if (statement.GetProperty("predicateType").GetString() != Provenance.PredicateType) return "the predicate is not SLSA provenance v1";
            return statement.GetProperty("subject").EnumerateArray().Any(s => s.GetProperty("digest").GetProperty("sha256").GetString() == OciDigest.Hex(digest))
                ? null : "its subject is another image";
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or OperationFailedException)
        {
            return "not a DSSE envelope with an in-toto statement";
        }
    }
}
