using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Oci;
using ModelPipeline.Progress;
using ModelPipeline.Zoo;

namespace ModelPipeline.Trust;

/// <summary>Verifies the image of a zoo version where it was published (its registry, or an OCI layout) with the signers' public key.</summary>
public static class VersionVerifier
{
    /// <summary>Whether consumers (pull, sync, Promote) must verify: a public key is set, or signing.required.</summary>
    public static bool Applies(PipelineConfig config) =>
        config.Signing.Required || !string.IsNullOrWhiteSpace(config.Verify.PublicKey);

    /// <param name="publicKey">PEM text or a file path; null: <c>verify.publicKey</c> of pipeline.json.</param>
    /// <param name="copyRepository">Verify the copy in this registry repository (<c>host[:port]/path</c>, e.g. the prod
    /// registry's) instead of the published image; its signatures name the published repository.</param>
    public static async Task<VerificationResult> VerifyAsync(PipelineConfig config, IPipelineReporter reporter, ResolvedVersion version,
        string? layoutDir, string? publicKey, CancellationToken ct, string? copyRepository = null)
    {
        var keyText = publicKey
            ?? (string.IsNullOrWhiteSpace(config.Verify.PublicKey) ? null : config.Verify.PublicKey);
        var from = publicKey is null ? "pipeline.json: $.verify.publicKey" : "--key";
        if (keyText is null)
        {
            using var signing = SigningKey.FromEnvironment(config.Signing);
            (keyText, from) = (signing?.PublicKeyPem, $"the public half of ${config.Signing.KeyEnv}");
        }
        if (string.IsNullOrWhiteSpace(keyText))
            throw new InvalidInputException("no public key to verify with" +
                (config.Signing.Required ? " (signing.required is true)" : "") +
                ". Fix: pass --key FILE (the signers' PEM public key) or set $.verify.publicKey in pipeline.json.")
            { Model = version.Model };
        using var key = VerificationKey.Load(keyText, config.RepoRoot, from);
        var image = version.Manifest.Image;
        using var registries = new RegistryConnector(config.Registry, reporter);
        var store = ArtifactStores.For(config, registries, image.Destination, image.Repository, layoutDir);
        if (copyRepository is not null)
        {
            var copy = ImageReference.Parse(copyRepository, "--repository");
            store = new CopyArtifactStore(new RegistryArtifactStore(registries.For(copy), copy), image.Repository);
        }
        if (store is LayoutArtifactStore && !File.Exists(Path.Combine(layoutDir ?? Path.Combine(config.RepoRoot, config.ModelCar.LayoutDir), "oci-layout")))
            throw new InvalidInputException($"{version.Model} v{version.Version.Version} was packaged into an OCI layout, and {layoutDir ?? config.ModelCar.LayoutDir} is not one. Fix: pass --layout DIR of the layout PackageModelCar wrote.");
        var files = version.Manifest.Files.ToDictionary(f => f.Path, f => f.Sha256, StringComparer.Ordinal);
        var identity = new SignedIdentity(version.Model, version.Version.Version, version.Manifest.TrainingKey);
        var result = await ImageVerifier.VerifyAsync(store, image.Digest, key, files, ct, identity);
        if (image.ModelPack is not null && await CosignSignature.VerifyAsync(store, image.ModelPack, key, ct) is { } problem)
            throw new OperationFailedException($"{version.Model} v{version.Version.Version}: the ModelPack artifact " +
                $"{image.ModelPack} failed verification: {problem}. Fix: run " +
                $"'modelpipe sign {version.Model}@v{version.Version.Version}' with the signing key set.") { Model = version.Model };
        reporter.Info(version.Model, $"v{version.Version.Version} {image.Digest[..19]}: signature, SBOM and provenance verified in {store.Describe}");
        return result;
    }
}
