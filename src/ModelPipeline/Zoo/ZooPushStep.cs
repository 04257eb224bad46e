using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Git;
using ModelPipeline.Models;
using ModelPipeline.Oci;
using ModelPipeline.Packaging;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Trust;

namespace ModelPipeline.Zoo;

/// <summary>
/// The PushMirrors step for one model: takes the validated training key and the packaged image
/// (<c>runs/&lt;key&gt;/package.json</c>), publishes it to the zoo, records <c>runs/&lt;key&gt;/zoo.json</c>.
/// A key the zoo already holds keeps its recorded digest and repository (this run's image, if it
/// differs, is neither published nor tagged) and its version tag is never moved.
/// </summary>
public sealed class ZooPushStep(PipelineConfig config, RunStateStore state, IPipelineReporter reporter)
{
    public async Task<ZooRecord> RunAsync(ModelDefinition model, CancellationToken ct)
    {
        var outcome = (await RunManyAsync([model], ct))[0];
        return outcome.Record ?? throw outcome.Error!;
    }

    /// <summary>
    /// PushMirrors for many models at once: each model's input is read from its run records, then all are
    /// published in one zoo commit and one push (<see cref="ZooRepository.PublishManyAsync"/>), then each
    /// model's tags, signatures and records are finished. A model that fails fails alone (its error is its
    /// outcome); a primary that cannot be pushed fails them all (nothing is published).
    /// </summary>
    public async Task<IReadOnlyList<ZooPublishResult>> RunManyAsync(IReadOnlyList<ModelDefinition> models,
        CancellationToken ct)
    {
        using var registries = new RegistryConnector(config.Registry, reporter);
        using var signer = SigningKey.FromEnvironment(config.Signing);
        var outcomes = new ZooPublishResult?[models.Count];
        var prepared = new List<(int Index, Prepared Item)>();
        for (var i = 0; i < models.Count; i++)
        {
            try
            {
                prepared.Add((i, await PrepareAsync(models[i], registries, signer, ct)));
            }
            catch (PipelineException ex)
            {
                outcomes[i] = new ZooPublishResult(models[i].Name, null, ex);
            }
        }
        if (prepared.Count > 0)
        {
            var published = await new ZooRepository(config, reporter)
                .PublishManyAsync([.. prepared.Select(p => p.Item.Input)], ct);
            foreach (var ((index, item), result) in prepared.Zip(published))
            {
                try
                {
                    outcomes[index] = result.Record is null ? result
                        : result with { Record = await FinishAsync(item, result.Record, registries, signer, ct) };
                }
                catch (PipelineException ex)
                {
                    outcomes[index] = new ZooPublishResult(item.Model.Name, null, ex);
                }
            }
        }
        return outcomes.Select(o => o!).ToList();
    }

    /// <summary>A model's zoo input, and the signature its publishing commit made (set when it signs).</summary>
    private sealed class Prepared(ModelDefinition model, string key, PackageRecord package)
    {
        public ModelDefinition Model { get; } = model;
        public string Key { get; } = key;
        public PackageRecord Package { get; } = package;
        public ZooEntryInput Input { get; set; } = null!;
        public AttestationRecord? Signed { get; set; }
        public SignedIdentity? Attempted { get; set; }
    }

    private async Task<Prepared> PrepareAsync(ModelDefinition model, RegistryConnector registries, SigningKey? signer,
        CancellationToken ct)
    {
        var key = state.RequireValidated(model.Name);
        var package = state.ReadRun<PackageRecord>(model.Name, key, "package")
            ?? throw new OperationFailedException($"model '{model.Name}' (training key {key[..12]}) has not been packaged into a ModelCar image. Fix: run ./build.sh PackageModelCar --model {model.Name}.") { Model = model.Name };
        var packagePath = Path.Combine(state.RunDir(model.Name, key), "package.json");
        if (package.TrainingKey != key || !ZooLayout.IsDigest(package.Digest) || string.IsNullOrEmpty(package.Repository))
            throw new OperationFailedException($"{packagePath} does not describe an image of training key {key[..12]} (trainingKey, repository and a sha256 digest are required). Fix: re-run ./build.sh PackageModelCar --model {model.Name}.") { Model = model.Name };

        var serving = ServingCheck(model.Name, key, package);
        var item = new Prepared(model, key, package);
        var input = new ZooEntryInput
        {
            ServingCheck = serving,
            Definition = model,
            TrainingKey = key,
            Validation = state.ReadRun<Validation.ValidationReport>(model.Name, key, "validate")!,
            OutputDir = state.OutputDir(model.Name, key),
            Training = state.ReadRun<Training.TrainingRecord>(model.Name, key, "train"),
            Fetch = state.ReadModel<Fetching.FetchRecord>(model.Name, "fetch"),
            SourceCommit = await SourceCommitAsync(ct),
            Image = new ZooImage
            {
                Repository = package.Repository,
                Tag = package.Tag,
                Digest = package.Digest,
                Reference = package.Reference,
                StorageUri = package.StorageUri,
                Destination = package.Destination,
                SizeBytes = package.SizeBytes,
                Signature = package.Attestations?.Signature,
                Sbom = package.Attestations?.Sbom,
                Provenance = package.Attestations?.Provenance,
                ModelPack = package.ModelPack,
                BaseImage = package.BaseImage,
                Warnings = package.Warnings.Count > 0 ? package.Warnings : null,
            },
        };
        if (signer is not null)
            input = input with
            {
                SignAs = async (version, token) =>
                {
                    var identity = new SignedIdentity(model.Name, version, key);
                    // A signature made earlier in this publish as a number a concurrent publish then took is dropped.
                    var outcome = await SignAsync(registries, identity, input.Image, signer, token, item.Attempted);
                    var signed = outcome.Attestations;
                    (item.Signed, item.Attempted) = (signed, outcome.Written.Contains("image") ? identity : null);
                    return input.Image with
                    {
                        Signature = signed.Signature, Sbom = signed.Sbom, Provenance = signed.Provenance,
                    };
                },
            };
        item.Input = input;
        return item;
    }

    /// <summary>After the publishing push: the model's tags, late signature, run records and notification.</summary>
    private async Task<ZooRecord> FinishAsync(Prepared item, ZooRecord record, RegistryConnector registries,
        SigningKey? signer, CancellationToken ct)
    {
        var (model, key, package) = (item.Model, item.Key, item.Package);
        // A signature made by an attempt whose push lost the race is not this version's.
        var signed = record.AlreadyPublished ? null : item.Signed;
        var store = new PublishedImage(config, registries);
        var image = record.Image!;
        if (record.Published is { } published && (image.Digest != package.Digest || image.Repository != package.Repository))
        {
            // Another publisher (another clone, or this one with other settings) published this key
            // first: its version and digest stand; this run's image is not published or tagged.
            reporter.Warning(model.Name, $"training key {key[..12]} is already published as v{record.Version} with {image.Reference}; this run's image {package.Reference} is not published. " +
                $"The later steps use v{record.Version}'s image (one version, one digest).");
            record = record with { UnpublishedDigest = package.Digest };
            state.WriteRun(model.Name, key, "published", published);
            state.WriteRun(model.Name, key, "package", package with
            {
                Destination = image.Destination ?? package.Destination, Repository = image.Repository, Tag = image.Tag ?? package.Tag,
                Digest = image.Digest, Reference = image.Reference, StorageUri = image.StorageUri, SizeBytes = image.SizeBytes, ReusedVersion = record.Version,
                BaseImage = image.BaseImage, Warnings = image.Warnings ?? [], ModelPack = image.ModelPack,
                Attestations = await PublishedAttestations.ReadAsync(config, registries, reporter,
                    new SignedIdentity(model.Name, record.Version, key), image, ct),
            });
            // Packaging pointed the key's tag at this run's image; the zoo records that tag for v{N}'s digest.
            if (image.Tag == package.Tag && image.Repository == package.Repository)
                await EnsureTagAsync(store, model.Name, image, image.Tag, restore: true, ct);
        }
        record = record with { VersionTag = await EnsureTagAsync(store, model.Name, image, $"{model.Name}-v{record.Version}", restore: false, ct) };
        // A key published earlier (unsigned, or signed before its version was known) is signed now.
        if (signer is not null && record.AlreadyPublished)
        {
            var identity = new SignedIdentity(model.Name, record.Version, key);
            signed = (await SignAsync(registries, identity, image, signer, ct)).Attestations;
        }
        if (signed is not null)
        {
            var current = state.ReadRun<PackageRecord>(model.Name, key, "package")!;
            state.WriteRun(model.Name, key, "package", current with { Attestations = signed });
        }
        // A key published again as a new version (its first image had no shell): later steps use the new one.
        if (!record.AlreadyPublished && state.ReadRun<PublishedVersion>(model.Name, key, "published") is { } stale
            && stale.Version != record.Version)
            state.DeleteRun(model.Name, key, "published");
        state.WriteRun(model.Name, key, "zoo", record);
        if (!record.AlreadyPublished)
            await Notifications.Notifier.For(config, reporter).NotifyAsync(new Notifications.WebhookEvent
            {
                Event = Notifications.EventTypes.VersionPublished, Model = model.Name, Version = record.Version,
                Digest = record.Digest, Url = record.Reference,
                Summary = $"{model.Name} v{record.Version} was published to the zoo ({record.Digest[..19]})",
            }, ct);
        return record;
    }

    private async Task<VersionSigner.Outcome> SignAsync(RegistryConnector registries, SignedIdentity identity,
        ZooImage image, SigningKey signer, CancellationToken ct, SignedIdentity? replacing = null)
    {
        var store = ArtifactStores.For(config, registries, image.Destination, image.Repository, null);
        var outcome = await VersionSigner.SignAsync(store, identity, image.Digest, image.ModelPack, signer, ct,
            replacing);
        reporter.Info(identity.Model, outcome.Written.Count == 0
            ? $"{image.Digest[..19]} is already signed as {identity}"
            : $"signed {image.Digest[..19]} as {identity} ({string.Join(", ", outcome.Written)}) in {store.Describe}");
        return outcome;
    }

    /// <summary>
    /// The serving check's verdict on this image (ServeCheck runs before PushMirrors in the graph): a failed one, or
    /// one made on another digest, stops the version here, before the zoo and the test pin. None: published without.
    /// </summary>
    private Inference.ServingCheckRecord? ServingCheck(string model, string key, PackageRecord package)
    {
        var record = state.ReadRun<Inference.ServingCheckRecord>(model, key, Inference.ServingCheckStep.RecordName);
        if (record is null) return null;
        var path = Path.Combine(state.RunDir(model, key), Inference.ServingCheckStep.RecordName + ".json");
        if (!record.Passed)
            throw new GateFailedException($"model '{model}' failed the serving check; refusing to publish it. Verdict: {path}", [record.Detail]) { Model = model };
        if (record.Digest is not null && record.Digest != package.Digest)
            throw new OperationFailedException($"model '{model}': the serving check ran on {record.Digest}, not on the packaged image {package.Digest}. " +
                $"Fix: run ./build.sh ServeCheck --model {model} (Publish runs it).") { Model = model };
        return record with { From = null };
    }

    /// <summary>
    /// Points <paramref name="tag"/> at the version's recorded digest when it is missing. A version tag
    /// that points at another digest is never moved (a warning; <c>models verify</c> reports it); with
    /// <paramref name="restore"/> (the key's tag, which this run's packaging moved) it is set back.
    /// The zoo entry is already pushed, so a store that cannot be reached is a warning.
    /// </summary>
    private async Task<string?> EnsureTagAsync(PublishedImage store, string model, ZooImage image, string tag, bool restore, CancellationToken ct)
    {
        try
        {
            var current = await store.TagDigestAsync(image, tag, ct);
            if (current == image.Digest) return tag;
            if (current is not null && !restore)
            {
                reporter.Warning(model, $"the tag {image.Repository}:{tag} points at {current}, not at {image.Digest} which the zoo records; a version tag is never moved, so it was left alone. Fix: inspect the image store (modelpipe models verify lists every such tag).");
                return null;
            }
            await store.SetTagAsync(image, tag, ct);
            reporter.Info(model, current is null ? $"tagged {image.Repository}:{tag} → {image.Digest}" : $"set {image.Repository}:{tag} back to {image.Digest}, the digest the zoo records");
            return tag;
        }
        catch (PipelineException ex)
        {
            reporter.Warning(model, $"could not tag the image {image.Repository}:{tag} ({Redactor.Redact(ex.Message)}); the zoo entry stands. Fix: re-run PushMirrors when the image store is reachable.");
            return null;
        }
    }

    /// <summary>The models repository's HEAD, asked once per process and repository (one run publishes from one commit).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<string?>>> HeadByRepo = new(StringComparer.Ordinal);

    private Task<string?> SourceCommitAsync(CancellationToken ct) =>
        HeadByRepo.GetOrAdd(config.RepoRoot, root => new Lazy<Task<string?>>(async () =>
        {
            try
            {
                return (await new GitCli().RunAsync(root, ["rev-parse", "--verify", "--quiet", "HEAD"], ct)).Trim();
            }
            catch (GitException)
            {
                return null;
            }
        })).Value;
}
