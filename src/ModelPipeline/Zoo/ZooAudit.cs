using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Git;
using ModelPipeline.GitOps;
using ModelPipeline.Oci;
using ModelPipeline.Packaging;
using ModelPipeline.Progress;

namespace ModelPipeline.Zoo;

/// <summary>
/// <c>models verify</c> beyond the zoo's own files: every version's image is still in its registry or
/// layout, the tags <c>&lt;model&gt;-vN</c> (and the key tag the entry records) point at the recorded
/// digest, and every <c>test/</c> and <c>prod/</c> pin in the GitOps repository names a version the
/// zoo has, with that version's digest.
/// </summary>
public sealed class ZooAudit(PipelineConfig config, IPipelineReporter reporter)
{
    public async Task<IReadOnlyList<string>> CheckAsync(string zooRoot, CancellationToken ct)
    {
        var problems = new List<string>();
        using var registries = new RegistryConnector(config.Registry, reporter);
        var store = new PublishedImage(config, registries);
        var digests = new Dictionary<(string, int), string>();
        var gone = new HashSet<(string, int)>();
        foreach (var model in ZooLayout.Models(zooRoot))
        {
            var collected = CollectedImages.Read(zooRoot, model);
            var manifests = ZooLayout.Versions(zooRoot, model).Select(v => ZooLayout.Read<VersionManifest>(ZooLayout.ManifestPath(zooRoot, model, v))).ToList();
            // A key tag template without {key} gives several versions one tag: only its newest version owns it.
            var tagOwner = manifests.Where(m => m.Image.Tag is not null).GroupBy(m => m.Image.Tag!).ToDictionary(g => g.Key, g => g.Max(m => m.Version));
            foreach (var manifest in manifests)
            {
                var image = manifest.Image;
                var where = $"models/{model}/v{manifest.Version}";
                digests[(model, manifest.Version)] = image.Digest;
                if (collected.ContainsKey(manifest.Version) && gone.Add((model, manifest.Version))) continue; // gc deleted it
                try
                {
                    if (!await store.ExistsAsync(image, ct))
                    {
                        problems.Add($"{where}: image {image.Digest} is not in {store.Describe(image)}");
                        continue;
                    }
                    var tags = new List<string> { $"{model}-v{manifest.Version}" };
                    if (image.Tag is { } keyTag && tagOwner[keyTag] == manifest.Version && keyTag != tags[0]) tags.Add(keyTag);
                    foreach (var tag in tags)
                    {
                        var points = await store.TagDigestAsync(image, tag, ct);
                        if (points is null) problems.Add($"{where}: tag {image.Repository}:{tag} is missing (re-run PushMirrors to add it)");
                        else if (points != image.Digest) problems.Add($"{where}: tag {image.Repository}:{tag} points at {points}, but the zoo records {image.Digest}");
                    }
                }
                catch (PipelineException ex)
                {
                    problems.Add($"{where}: its image in {store.Describe(image)} could not be checked ({Redactor.Redact(ex.Message.Split('\n')[0])})");
                }
            }
        }
        await CheckPinsAsync(digests, gone, problems, ct);
        return problems;
    }

    /// <summary>Each GitOps pin against the zoo (a pinned version whose image gc collected is flagged). A local GitOps
    /// repository that does not exist yet has no pins.</summary>
    private async Task CheckPinsAsync(Dictionary<(string Model, int Version), string> digests, HashSet<(string, int)> gone,
        List<string> problems, CancellationToken ct)
    {
        var remote = GitRemote.Create("gitops", config.GitOps.Repository, config.GitOps.TokenEnv, "pipeline.json $.gitops.repository", config.RepoRoot);
        if (remote.IsLocal && !remote.Url.StartsWith("file://", StringComparison.OrdinalIgnoreCase) && !Directory.Exists(remote.Url)) return;
        using var repo = await GitOpsRepository.OpenAsync(config, reporter, ct);
        foreach (var environment in AliasSync.Environments)
        {
            foreach (var (folder, yaml) in await repo.ReadConfigsAsync(environment, ct))
            {
                var path = EnvironmentConfig.PathFor(environment, folder);
                var pin = ConfigYaml.Parse(yaml, $"{path} in the GitOps repository");
                if (!digests.TryGetValue((folder, pin.ModelVersion), out var digest))
                    problems.Add($"GitOps {path}: pins {folder} v{pin.ModelVersion}, which the zoo does not have");
                else if (pin.ImageDigest != digest || !pin.StorageUri.EndsWith("@" + digest, StringComparison.Ordinal))
                    problems.Add($"GitOps {path}: pins {folder} v{pin.ModelVersion} to {pin.ImageDigest}, but the zoo records {digest}");
                else if (gone.Contains((folder, pin.ModelVersion)))
                    problems.Add($"GitOps {path}: pins {folder} v{pin.ModelVersion}, whose image modelpipe gc collected "
                        + "(copy it back under its digest from a backup, or pin another version)");
            }
        }
    }
}
