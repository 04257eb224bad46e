using ModelPipeline.Errors;

namespace ModelPipeline.Zoo;

/// <summary>A consistent read view of the zoo at one commit: list, show, resolve NAME@REF.</summary>
public sealed class ZooSnapshot(string root, string? commit, string source, IDisposable held,
    ZooHistory? history = null, Git.GitCli? git = null) : IDisposable
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

    /// <summary>
    /// What <c>NAME</c> without <c>@REF</c> means: <c>prod</c>, the version production runs, which is what a
    /// consumer wants unless it names another (<c>NAME@latest</c> is the newest version, tested or not).
    /// </summary>
    public const string DefaultReference = "prod";

    /// <summary>Resolves <c>vN</c>, an alias, or a <c>sha256:</c> digest (null: <see cref="DefaultReference"/>) to one version.</summary>
    public ResolvedVersion Resolve(string model, string? reference)
    {
        var index = Show(model);
        if (string.IsNullOrEmpty(reference) && !index.Aliases.ContainsKey(DefaultReference))
            throw new InvalidInputException($"{model}: no reference given, and {model} has no {DefaultReference} alias yet (NAME alone means NAME@{DefaultReference}; "
                + $"aliases: {(index.Aliases.Count == 0 ? "none" : string.Join(", ", index.Aliases.Select(a => $"{a.Key}=v{a.Value}")))}). "
                + $"Fix: name the version you want: {model}@test, {model}@latest (the newest, tested or not) or {model}@vN.") { Model = model };
        var r = string.IsNullOrEmpty(reference) ? DefaultReference : reference;
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
        return new ResolvedVersion
        {
            Model = model, Reference = r, Version = entry, Manifest = manifest, Commit = Commit,
            Status = Lifecycle.ZooLifecycle.StatusOf(Root, model, entry.Version),
        };
    }

    /// <summary>
    /// Every version <paramref name="alias"/> of <paramref name="model"/> ever pointed to, read from the history of
    /// its aliases.json (one <c>git log -p</c>); without git history, the version it points to now.
    /// </summary>
    public async Task<IReadOnlySet<int>> AliasHistoryAsync(string model, string alias, CancellationToken ct)
    {
        var versions = new SortedSet<int>();
        if (ZooLayout.ReadAliases(Root, model).TryGetValue(alias, out var now)) versions.Add(now);
        if (git is null || Commit is null) return versions;
        var log = await git.RunAsync(Root, ["log", "-p", "--unified=0", "--format=", "--no-color", "--no-ext-diff", Commit, "--",
            $"models/{model}/aliases.json"], ct);
        var line = new System.Text.RegularExpressions.Regex($"^\\+\\s*\"{System.Text.RegularExpressions.Regex.Escape(alias)}\":\\s*(\\d+)",
            System.Text.RegularExpressions.RegexOptions.Multiline);
        foreach (System.Text.RegularExpressions.Match m in line.Matches(log))
            versions.Add(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        return versions;
    }

    /// <summary>
    /// The last commit that changed <paramref name="alias"/>'s line in <c>models/&lt;model&gt;/aliases.json</c>:
    /// "<c>&lt;commit&gt; by &lt;author&gt; (&lt;subject&gt;; Moved-by: …)</c>", or null without git history.
    /// </summary>
    public async Task<string?> AliasMovedByAsync(string model, string alias, CancellationToken ct)
    {
        if (git is null || Commit is null) return null;
        var pattern = $"\"{System.Text.RegularExpressions.Regex.Escape(alias)}\":";
        var log = await git.RunAsync(Root, ["log", "-1", "--no-color", "--format=%H%x1f%an <%ae>%x1f%s%x1f%(trailers:key="
            + Lifecycle.ProtectedAlias.Trailer + ",valueonly,separator=%x2c)", $"-G{pattern}", Commit, "--", $"models/{model}/aliases.json"], ct);
        var parts = log.Trim().Split('\x1f');
        if (parts.Length < 3) return null;
        var moved = parts.Length > 3 && parts[3].Trim().Length > 0 ? parts[3].Trim() : "no Moved-by trailer: not a pipeline step";
        return $"{parts[0]} by {parts[1]} ('{parts[2]}'; {Lifecycle.ProtectedAlias.Trailer}: {moved})";
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

    /// <summary>The version's lifecycle state (deprecated, yanked, archived); null while it is active.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Lifecycle.VersionStatus? Status { get; init; }
}
