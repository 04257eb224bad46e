using ModelPipeline.Oci;
using ModelPipeline.Zoo;

namespace ModelPipeline.Retention;

/// <summary>Where each version's image lives, and the decision per version from its store's sweep.</summary>
public sealed partial class GarbageCollector
{
    private static GcVersion Decide(Entry e, (string Store, VersionSweep Sweep)? planned)
    {
        var image = e.Manifest.Image;
        var basis = new GcVersion
        {
            Version = e.Manifest.Version, Digest = image.Digest, Action = "kept", Reasons = e.Reasons,
        };
        if (e.Reasons.Count > 0) return basis;
        if (planned is not { } p)
            return e.CollectedBefore
                ? basis with { Action = "collected-earlier" }
                : basis with { Reasons = ["its image store is missing"] };
        if (p.Sweep.KeptBecause is { } why) return basis with { Reasons = [why] };
        if (p.Sweep.AlreadyGone && e.CollectedBefore) return basis with { Action = "collected-earlier" };
        return basis with
        {
            Action = "collect", Store = p.Store, Tags = p.Sweep.Tags, Manifests = p.Sweep.Manifests,
            Bytes = p.Sweep.Bytes,
        };
    }

    private static IEnumerable<string> Roots(ZooImage image) =>
        image.ModelPack is { } pack ? [image.Digest, pack] : [image.Digest];

    /// <summary>The version's roots and the tags modelpipe itself gave them (<c>&lt;model&gt;-vN</c>, the key
    /// tag, its ModelPack's).</summary>
    private static SweepCandidate Candidate(Entry e)
    {
        var image = e.Manifest.Image;
        var tags = new HashSet<string>(StringComparer.Ordinal) { $"{e.Model}-v{e.Manifest.Version}" };
        if (image.Tag is { } tag) tags.UnionWith([tag, tag + "-modelpack"]);
        return new SweepCandidate(e.Model, e.Manifest.Version, [.. Roots(image)], tags);
    }

    private static string StoreKey(ZooImage image) =>
        image.Destination == "registry" ? "registry " + image.Repository : "layout";

    private (ICollectableStore? Store, string Describe, bool Registry) Open(ZooImage image, GcOptions options,
        RegistryConnector registries)
    {
        if (image.Destination == "registry")
        {
            var reference = ImageReference.Parse(image.Repository, "image repository");
            var store = new RegistryCollectableStore(registries.For(reference), reference);
            return (store, $"the registry repository {reference.Name}", true);
        }
        var dir = Path.GetFullPath(Path.Combine(config.RepoRoot, options.LayoutDir ?? config.ModelCar.LayoutDir));
        return File.Exists(Path.Combine(dir, "oci-layout"))
            ? (new LayoutCollectableStore(new OciLayout(dir)), $"the OCI layout {dir}", false)
            : (null, $"the OCI layout {dir}", false);
    }
}
