using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Oci;
using ModelPipeline.Progress;
using ModelPipeline.Zoo;

namespace ModelPipeline.Trust;

/// <summary>
/// What a published version carries, read from the published state (its zoo record and the store
/// beside its image), for a run that reuses it: the signature, SBOM and provenance. With a public key
/// at hand (<c>verify.publicKey</c>, or the signing key's public half) the signature counts only when
/// it verifies and names the version; without one, what the store holds is recorded as the first run did.
/// </summary>
public static class PublishedAttestations
{
    public static async Task<AttestationRecord?> ReadAsync(PipelineConfig config, RegistryConnector registries,
        IPipelineReporter reporter, SignedIdentity identity, ZooImage image, CancellationToken ct)
    {
        var layout = Path.Combine(config.RepoRoot, config.ModelCar.LayoutDir, "oci-layout");
        if (image.Destination != "registry" && !File.Exists(layout)) return null;
        var store = ArtifactStores.For(config, registries, image.Destination, image.Repository, null);
        var signature = await VersionSigner.SignatureDigestAsync(store, image.Digest, ct);
        var referrers = await Referrers.ListAsync(store, image.Digest, ct);
        var sbom = image.Sbom ?? referrers.FirstOrDefault(r => r.ArtifactType == Sbom.MediaType)?.Digest;
        var provenance = image.Provenance
            ?? referrers.FirstOrDefault(r => r.ArtifactType == ImageAttestor.ProvenanceArtifactType)?.Digest;
        using var key = PublicKey(config);
        if (key is not null && signature is not null)
        {
            try
            {
                var result = await ImageVerifier.VerifyAsync(store, image.Digest, key, null, ct, identity);
                (sbom, provenance) = (result.Sbom, result.Provenance);
            }
            catch (OperationFailedException ex)
            {
                reporter.Warning(identity.Model, $"{identity}: the signature beside {image.Digest[..19]} does not " +
                    "verify, so it is not recorded: " +
                    ex.Message.Split('\n')[1].Trim());
                signature = null;
            }
        }
        if (sbom is null || provenance is null) return null;
        return new AttestationRecord
        {
            Signature = signature,
            Sbom = sbom,
            SbomSignature = await VersionSigner.SignatureDigestAsync(store, sbom, ct),
            Provenance = provenance,
        };
    }

    private static VerificationKey? PublicKey(PipelineConfig config)
    {
        if (!string.IsNullOrWhiteSpace(config.Verify.PublicKey))
            return VerificationKey.Load(config.Verify.PublicKey, config.RepoRoot, "pipeline.json: $.verify.publicKey");
        using var signing = SigningKey.FromEnvironment(config.Signing);
        return signing is null
            ? null
            : VerificationKey.FromPem(signing.PublicKeyPem, $"the public half of ${config.Signing.KeyEnv}");
    }
}
