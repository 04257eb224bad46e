using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Oci;
using ModelPipeline.Progress;
using ModelPipeline.Zoo;

namespace ModelPipeline.Trust;

/// <summary>
/// <c>modelpipe sign NAME@REF</c>: signs a version the zoo already holds, where its image lives, with
/// the key in <c>signing.keyEnv</c> — the image with its identity, and its SBOM and provenance — then
/// verifies the result as <c>modelpipe verify</c> does. The zoo is not changed (a version is immutable).
/// </summary>
public static class PublishedSigning
{
    public static async Task<VersionSigner.Outcome> SignAsync(PipelineConfig config, IPipelineReporter reporter,
        ResolvedVersion version, CancellationToken ct)
    {
        using var key = SigningKey.FromEnvironment(config.Signing)
            ?? throw new InvalidInputException($"no signing key: ${config.Signing.KeyEnv} is not set" +
                (config.Signing.Mode == "never" ? " (and signing.mode is \"never\")" : "") +
                $". Fix: set {config.Signing.KeyEnv} to the PEM private key or its path, then run " +
                $"'modelpipe sign {version.Model}@v{version.Version.Version}' again.")
            { Model = version.Model };
        var image = version.Manifest.Image;
        var identity = new SignedIdentity(version.Model, version.Version.Version, version.Manifest.TrainingKey);
        using var registries = new RegistryConnector(config.Registry, reporter);
        var store = ArtifactStores.For(config, registries, image.Destination, image.Repository, null);
        var outcome = await VersionSigner.SignAsync(store, identity, image.Digest, image.ModelPack, key, ct);
        reporter.Info(version.Model, outcome.Written.Count == 0
            ? $"{image.Digest[..19]} was already signed as {identity} by this key; nothing written"
            : $"signed {image.Digest[..19]} as {identity} ({string.Join(", ", outcome.Written)}) in {store.Describe}");
        await VersionVerifier.VerifyAsync(config, reporter, version, null, key.PublicKeyPem, ct);
        return outcome;
    }
}
