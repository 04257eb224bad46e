using ModelPipeline.Errors;
using ModelPipeline.Oci;

namespace ModelPipeline.Trust;

/// <summary>
/// Signs a published version where its image lives, once its version is known: the image's cosign
/// signature with the version's identity (<see cref="SignedIdentity"/>), and — where not already
/// signed by the same key — the SBOM artifact's signature, a signed copy of the provenance envelope
/// (same statement, attached beside the unsigned one) and the ModelPack's signature. What already
/// verifies is left alone, so a re-run writes nothing. Reads only the store: works from a fresh clone.
/// The image's signature is appended beside those of other versions with the same digest (one
/// <c>.sig</c> tag per digest); <c>replacing</c> names the identity this publisher signed before it
/// lost a concurrent publish, whose signature is dropped.
/// </summary>
public static class VersionSigner
{
    public sealed record Outcome(AttestationRecord Attestations, IReadOnlyList<string> Written);

    public static async Task<Outcome> SignAsync(IArtifactStore store, SignedIdentity identity, string digest,
        string? modelPack, SigningKey key, CancellationToken ct, SignedIdentity? replacing = null)
    {
        using var verifier = VerificationKey.FromPem(key.PublicKeyPem, "the signing key's public half");
        var signed = new List<string>();
        var referrers = await Referrers.ListAsync(store, digest, ct);
        var sbom = referrers.FirstOrDefault(r => r.ArtifactType == Sbom.MediaType)
            ?? throw Missing(store, identity, digest, "SBOM");
        var image = await EnsureSignatureAsync(store, digest, key, verifier, identity, "image", signed, ct, replacing);
        var sbomSignature = await EnsureSignatureAsync(store, sbom.Digest, key, verifier, null, "SBOM", signed, ct);
        if (modelPack is not null)
            await EnsureSignatureAsync(store, modelPack, key, verifier, null, "ModelPack", signed, ct);
        var provenance = await EnsureProvenanceAsync(store, identity, digest, referrers, key, verifier, signed, ct);
        var record = new AttestationRecord
        {
            Signature = image, Sbom = sbom.Digest, SbomSignature = sbomSignature, Provenance = provenance,
        };
        return new Outcome(record, signed);
    }

    /// <summary>The digest of the signature manifest stored for <paramref name="digest"/>, or null.</summary>
    public static async Task<string?> SignatureDigestAsync(IArtifactStore store, string digest, CancellationToken ct) =>
        await store.TryGetManifestAsync(CosignSignature.Tag(digest), ct) is { } bytes ? OciDigest.Of(bytes) : null;

    private static async Task<string> EnsureSignatureAsync(IArtifactStore store, string digest, SigningKey key,
        VerificationKey verifier, SignedIdentity? identity, string what, List<string> signed, CancellationToken ct,
        SignedIdentity? replacing = null)
    {
        if (await CosignSignature.VerifyAsync(store, digest, verifier, ct, identity) is null
            && await SignatureDigestAsync(store, digest, ct) is { } existing) return existing;
        signed.Add(what);
        return await CosignSignature.SignAsync(store, digest, key, ct, identity, replacing);
    }

    private static async Task<string> EnsureProvenanceAsync(IArtifactStore store, SignedIdentity identity,
        string digest, IReadOnlyList<Descriptor> referrers, SigningKey key, VerificationKey verifier, List<string> signed,
        CancellationToken ct)
    {
        (ArtifactManifest Manifest, DsseEnvelope Envelope)? first = null;
        foreach (var candidate in referrers.Where(r => r.ArtifactType == ImageAttestor.ProvenanceArtifactType))
        {
            if (await store.TryGetManifestAsync(candidate.Digest, ct) is not { } bytes) continue;
            var manifest = OciJson.Deserialize<ArtifactManifest>(bytes, $"provenance manifest {candidate.Digest}");
            if (manifest.Subject?.Digest != digest || manifest.Layers.Count != 1) continue;
            var content = await store.ReadBlobAsync(manifest.Layers[0], ct);
            var envelope = OciJson.Deserialize<DsseEnvelope>(content, "DSSE envelope");
            if (envelope.VerifiedBy(verifier)) return candidate.Digest;
            first ??= (manifest, envelope);
        }
        if (first is not { } source) throw Missing(store, identity, digest, "provenance");
        var statement = Convert.FromBase64String(source.Envelope.Payload);
        var resigned = DsseEnvelope.Sign(source.Envelope.PayloadType, statement, key);
        var subject = source.Manifest.Subject!;
        var attached = await Referrers.AttachAsync(store, subject, ImageAttestor.ProvenanceArtifactType,
            OciJson.Serialize(resigned), DsseEnvelope.MediaType,
            source.Manifest.Annotations ?? new Dictionary<string, string>(), ct);
        signed.Add("provenance");
        return attached.Digest;
    }

    private static OperationFailedException Missing(IArtifactStore store, SignedIdentity identity, string digest,
        string what) =>
        new($"{identity}: {store.Repository}@{digest} has no {what} attached in {store.Describe}, so it cannot be " +
            "signed as a whole. Fix: restore the image's attestations from a backup of the registry, or publish a " +
            "new version (change the model).")
        { Model = identity.Model };
}
