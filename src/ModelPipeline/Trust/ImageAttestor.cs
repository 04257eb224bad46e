using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Fetching;
using ModelPipeline.Git;
using ModelPipeline.Models;
using ModelPipeline.Oci;
using ModelPipeline.Packaging;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Training;
using ModelPipeline.Validation;

namespace ModelPipeline.Trust;

/// <summary>What was attached to an image: digests of the signature, SBOM and provenance artifacts.</summary>
public sealed record AttestationRecord
{
    /// <summary>The cosign signature manifest (<c>sha256-&lt;hex&gt;.sig</c>) naming the version; null when unsigned
    /// or not yet published.</summary>
    public string? Signature { get; init; }

    /// <summary>The CycloneDX SBOM artifact (subject: the image).</summary>
    public required string Sbom { get; init; }

    /// <summary>The signature of the SBOM artifact, null when unsigned.</summary>
    public string? SbomSignature { get; init; }

    /// <summary>The DSSE provenance artifact (subject: the image).</summary>
    public required string Provenance { get; init; }

    [System.Text.Json.Serialization.JsonIgnore] public bool IsSigned => Signature is not null;
}

/// <summary>
/// Attaches to a packaged image, in its registry repository or OCI layout: the CycloneDX SBOM and the
/// SLSA provenance (DSSE) as artifacts whose subject is the image, and — when a signing key is set —
/// the cosign signature of the SBOM artifact and the provenance envelope's signature. The image's
/// own signature names its version, so <see cref="VersionSigner"/> adds it when PushMirrors knows it.
/// </summary>
public sealed class ImageAttestor(PipelineConfig config, RunStateStore state, IPipelineReporter reporter, RegistryConnector registries)
{
    public const string ProvenanceArtifactType = "application/vnd.in-toto+json";
    public const string PredicateAnnotation = "in-toto.io/predicate-type";

    public async Task<AttestationRecord> AttachAsync(ModelDefinition model, PackageRecord record, string? modelPackDigest, CancellationToken ct)
    {
        var store = Store(record);
        var size = await ManifestSizeAsync(store, record.Digest, ct);
        var prepared = await PrepareAsync(store, model, record, modelPackDigest, size, ct);
        await prepared.PushBlobsAsync(ct);
        return await AttachAsync(model, prepared, ct);
    }

    /// <summary>
    /// The SBOM and provenance of the image <paramref name="record"/> names, whose manifest has
    /// <paramref name="manifestSize"/> bytes: built, and their blobs ready to go up, before the image is stored.
    /// </summary>
    public Task<PreparedAttestations> PrepareAsync(ModelDefinition model, PackageRecord record,
        string? modelPackDigest, long manifestSize, CancellationToken ct) =>
        PrepareAsync(Store(record), model, record, modelPackDigest, manifestSize, ct);

    private async Task<PreparedAttestations> PrepareAsync(IArtifactStore store, ModelDefinition model,
        PackageRecord record, string? modelPackDigest, long manifestSize, CancellationToken ct)
    {
        using var key = SigningKey.FromEnvironment(config.Signing);
        var input = await InputAsync(model, record, modelPackDigest, ct);
        var subject = new Descriptor
        {
            MediaType = MediaTypes.OciManifest, Digest = record.Digest, Size = manifestSize,
        };
        var created = new Dictionary<string, string> { ["org.opencontainers.image.created"] = OciJson.Timestamp(record.CreatedAt) };
        var sbom = Referrers.Build(subject, Sbom.MediaType, Sbom.Build(input), Sbom.MediaType, created);
        var envelope = DsseEnvelope.Sign(DsseEnvelope.InTotoPayloadType, Provenance.Statement(input), key);
        var provenance = Referrers.Build(subject, ProvenanceArtifactType, OciJson.Serialize(envelope),
            DsseEnvelope.MediaType,
            new Dictionary<string, string>(created) { [PredicateAnnotation] = Provenance.PredicateType });
        return new PreparedAttestations(store, subject, sbom, provenance, modelPackDigest);
    }

    /// <summary>Attaches prepared attestations once their blobs and the image are stored, then signs.</summary>
    public async Task<AttestationRecord> AttachAsync(ModelDefinition model, PreparedAttestations prepared,
        CancellationToken ct)
    {
        using var key = SigningKey.FromEnvironment(config.Signing);
        var (store, sbom, provenance) = (prepared.Store, prepared.Sbom.Descriptor, prepared.Provenance.Descriptor);
        await Referrers.AttachAsync(store, prepared.Subject, [prepared.Sbom, prepared.Provenance], ct);
        string? sbomSignature = null;
        if (key is not null)
        {
            // The image itself is signed once its version is known (PushMirrors, VersionSigner): the signature names it.
            sbomSignature = await CosignSignature.SignAsync(store, sbom.Digest, key, ct);
            if (prepared.ModelPackDigest is { } modelPack) await CosignSignature.SignAsync(store, modelPack, key, ct);
        }
        reporter.Info(model.Name, key is null
            ? $"attached SBOM {sbom.Digest[..19]} and provenance {provenance.Digest[..19]} (unsigned: ${config.Signing.KeyEnv} is not set)"
            : $"attached signed SBOM {sbom.Digest[..19]} and provenance {provenance.Digest[..19]} " +
              "(the image is signed with its version at PushMirrors)");
        return new AttestationRecord
        {
            Signature = null, Sbom = sbom.Digest, SbomSignature = sbomSignature, Provenance = provenance.Digest,
        };
    }

    private IArtifactStore Store(PackageRecord record) =>
        ArtifactStores.For(config, registries, record.Destination, record.Repository, null);

    private async Task<AttestationInput> InputAsync(ModelDefinition model, PackageRecord record, string? modelPackDigest, CancellationToken ct)
    {
        var key = record.TrainingKey;
        string? commit = null;
        try
        {
            commit = (await new GitCli().RunAsync(config.RepoRoot, ["rev-parse", "--verify", "--quiet", "HEAD"], ct)).Trim();
        }
        catch (GitException)
        {
        }
        return new AttestationInput
        {
            Model = model,
            TrainingKey = key,
            Repository = record.Repository,
            Digest = record.Digest,
            Created = record.CreatedAt,
            Validation = state.ReadRun<ValidationReport>(model.Name, key, "validate")!,
            Training = state.ReadRun<TrainingRecord>(model.Name, key, "train")!,
            Fetch = state.ReadModel<FetchRecord>(model.Name, "fetch"),
            TrainerSources = (await TrainingKey.SourceDigestsAsync(model, ct)).Select(s => (s.Rel, s.Digest)).ToList(),
            SourceCommit = string.IsNullOrEmpty(commit) ? null : commit,
            SourceUrl = config.ModelCar.SourceUrl,
            ModelPackDigest = modelPackDigest,
        };
    }

    private static async Task<long> ManifestSizeAsync(IArtifactStore store, string digest, CancellationToken ct) =>
        (await store.TryGetManifestAsync(digest, ct) ?? throw new OperationFailedException($"{digest} is not in {store.Describe}; nothing can be attached to it.")).Length;
}

/// <summary>
/// An image's SBOM and provenance, built before the image is stored: <see cref="PushBlobsAsync"/> may run while its
/// layers upload; <see cref="ImageAttestor.AttachAsync(ModelDefinition, PreparedAttestations, CancellationToken)"/>
/// PUTs their manifests once the image is stored.
/// </summary>
public sealed record PreparedAttestations(IArtifactStore Store, Descriptor Subject, Referrers.Artifact Sbom,
    Referrers.Artifact Provenance, string? ModelPackDigest)
{
    public Task PushBlobsAsync(CancellationToken ct) => Referrers.PushBlobsAsync(Store, [Sbom, Provenance], ct);
}

/// <summary>The artifact store of an image: its registry repository, or the OCI layout it was packaged into.</summary>
public static class ArtifactStores
{
    public static IArtifactStore For(PipelineConfig config, RegistryConnector registries, string? destination, string repository, string? layoutDir) =>
        destination == "registry" && layoutDir is null
            ? new RegistryArtifactStore(registries.For(ImageReference.Parse(repository, "image repository")), ImageReference.Parse(repository, "image repository"))
            : new LayoutArtifactStore(new OciLayout(layoutDir ?? Path.Combine(config.RepoRoot, config.ModelCar.LayoutDir)), repository);
}
