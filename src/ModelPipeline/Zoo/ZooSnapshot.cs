using ModelPipeline.Errors;

namespace ModelPipeline.Zoo;

/// <summary>A consistent read view of the zoo at one commit: list, show, resolve NAME@REF.</summary>
public sealed class ZooSnapshot(string root, string? commit, string source, IDisposable held, ZooHistory? history = null) : IDisposable
{
    public string Root { get; } = root;

    /// <summary>The primary's commit that was read (null for an empty zoo).</summary>
    public string? Commit { get; } = commit;

    public string Source { get; } = source;

    public ZooIndex List() =>
        File.Exists(ZooLayout.IndexPath(Root)) ? ZooLayout.Read<ZooIndex>(ZooLayout.IndexPath(Root)) : new ZooIndex { Models = [] };

    public ModelIndex Show(string model)
    {
        CheckName(model);
        var path = ZooLayout.ModelIndexPath(Root, model);
        if (!File.Exists(path))
            throw new InvalidInputException($"model '{model}' is not in the zoo {Source}. Fix: check the name with 'modelpipe models list'.") { Model = model };
        return ZooLayout.Read<ModelIndex>(path);
    }

    /// <summary>Resolves <c>vN</c>, an alias, or a <c>sha256:</c> digest (null: <c>latest</c>) to one version.</summary>
    public ResolvedVersion Resolve(string model, string? reference)
    {
        var index = Show(model);
        var r = string.IsNullOrEmpty(reference) ? ZooLayout.Latest : reference;
        int? version = ZooLayout.ParseVersion(r) is { } n
            ? index.Versions.Any(v => v.Version == n) ? n : throw new InvalidInputException($"{model}@{r}: no such version (the zoo has {Versions(index)}). Fix: pick an existing version.") { Model = model }
            : ZooLayout.IsDigest(r)
                ? index.Versions.LastOrDefault(v => v.Digest == r)?.Version ?? throw new InvalidInputException($"{model}@{r}: no version of {model} has that image digest. Fix: check the digest with 'modelpipe models show {model}'.") { Model = model }
                : ZooLayout.IsAliasName(r)
                    ? index.Aliases.TryGetValue(r, out var a) ? a : throw new InvalidInputException($"{model}@{r}: no such alias (aliases: {(index.Aliases.Count == 0 ? "none" : string.Join(", ", index.Aliases.Keys))}). Fix: use vN, an alias or sha256:<digest>.") { Model = model }
                    : throw new InvalidInputException($"{model}@{r}: '{r}' is not a version (vN), an alias or a digest (sha256:<64 hex>). Fix: correct the reference.") { Model = model };
        var entry = index.Versions.Single(v => v.Version == version);
        ZooRepository.CheckLedger(Root, model, entry.Version, Commit, history);
        var manifest = ZooLayout.Read<VersionManifest>(ZooLayout.ManifestPath(Root, model, entry.Version));
        return new ResolvedVersion { Model = model, Reference = r, Version = entry, Manifest = manifest, Commit = Commit };
    }

    /// <summary>Parses NAME or NAME@REF.</summary>
    public static (string Model, string? Reference) Parse(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var (model, reference) = at < 0 ? (text, null) : (text[..at], text[(at + 1)..]);
        CheckName(model);
        if (reference is { Length: 0 }) throw new InvalidInputException($"'{text}': nothing after '@'. Fix: write NAME@vN, NAME@ALIAS or NAME@sha256:<digest>.");
        return (model, reference);
    }

    private static void CheckName(string model)
    {
        if (!ZooLayout.IsModelName(model))
            throw new InvalidInputException($"'{model}' is not a model name (lower-case letters, digits and '-'). Fix: use NAME[@REF], e.g. iris@v1 or iris@prod.");
    }

    private static string Versions(ModelIndex index) => string.Join(", ", index.Versions.Select(v => $"v{v.Version}"));

    public void Dispose() => held.Dispose();
}

/// <summary>One version that NAME@REF resolved to, with its manifest.</summary>
public sealed record ResolvedVersion
{
    public required string Model { get; init; }
    public required string Reference { get; init; }
    public required IndexedVersion Version { get; init; }
    public required VersionManifest Manifest { get; init; }
    public string? Commit { get; init; }
}
