using ModelPipeline.Errors;
using ModelPipeline.Zoo.Lifecycle;

namespace ModelPipeline.Zoo;

public sealed partial class ZooRepository
{
    /// <summary>
    /// Sets the lifecycle state of <paramref name="model"/> v<paramref name="version"/> in
    /// <c>lifecycle.json</c> (<see cref="VersionState.Active"/> clears it): one commit on the primary,
    /// pushed to the mirrors like an alias. The version's folder and ledger line are untouched.
    /// </summary>
    /// <param name="undoing">Only clear the state when it is this one (e.g. <c>yank --undo</c>).</param>
    public async Task<LifecycleResult> SetStatusAsync(string model, int version, VersionState state, string reason,
        CancellationToken ct, VersionState? undoing = null)
    {
        if (state != VersionState.Active && string.IsNullOrWhiteSpace(reason))
            throw new InvalidInputException($"{model} v{version}: no reason given. "
                + "Fix: say why with --reason TEXT; consumers see it.") { Model = model };
        var author = Git.GitAuthor.Resolve(_settings.AuthorName, _settings.AuthorEmail);
        VersionStatus? previous = null;
        var outcome = await CommitMetadataAsync(model, version, author, root =>
        {
            var statuses = ZooLifecycle.Read(root, model);
            previous = statuses.TryGetValue(version, out var p) ? p : null;
            if (undoing is { } undo && (previous?.State ?? VersionState.Active) != undo)
                throw new InvalidInputException($"{model} v{version} is "
                    + $"{(previous is null ? "active" : ZooLifecycle.Describe(previous))}, not {Name(undo)}; "
                    + "nothing to undo. Fix: undo the state it has.") { Model = model };
            if (state != VersionState.Active && previous is not null && previous.State > state)
                throw new InvalidInputException($"{model} v{version} is {ZooLifecycle.Describe(previous)}. "
                    + $"Fix: undo that first ('modelpipe models {Verb(previous.State)} {model}@v{version} --undo'), "
                    + $"then {Verb(state)} it.") { Model = model };
            if (state == VersionState.Active)
            {
                if (!statuses.Remove(version)) return null;
            }
            else
            {
                if (previous is not null && previous.State == state && previous.Reason == reason.Trim()) return null;
                statuses[version] = new VersionStatus
                {
                    State = state, Reason = reason.Trim(), At = DateTimeOffset.UtcNow,
                    By = $"{author.Name} <{author.Email}>",
                };
            }
            ZooLifecycle.Write(root, model, statuses);
            var subject = state == VersionState.Active
                ? $"restore {model} v{version} (was {Name(previous!.State)})"
                : $"{Verb(state)} {model} v{version}";
            var body = string.IsNullOrWhiteSpace(reason) ? $"(was: {previous!.Reason})" : reason.Trim();
            return $"zoo: {subject}\n\n{body}\n";
        }, ct);
        return new LifecycleResult
        {
            Model = model,
            Version = version,
            State = state,
            Previous = previous?.State ?? VersionState.Active,
            Reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(),
            Commit = outcome.Commit,
            Changed = outcome.Commit is not null,
            Mirrors = outcome.Mirrors,
        };
    }

    /// <summary>
    /// Adds or replaces the tags in <paramref name="set"/> and removes those in <paramref name="remove"/> on
    /// v<paramref name="version"/> of <paramref name="model"/> (<c>tags.json</c>): one commit, pushed like an alias.
    /// </summary>
    public async Task<TagResult> SetTagsAsync(string model, int version, IReadOnlyDictionary<string, string> set,
        IReadOnlyCollection<string> remove, CancellationToken ct)
    {
        var author = Git.GitAuthor.Resolve(_settings.AuthorName, _settings.AuthorEmail);
        IReadOnlyDictionary<string, string> now = new SortedDictionary<string, string>();
        var outcome = await CommitMetadataAsync(model, version, author, root =>
        {
            var tags = ZooLifecycle.ReadTags(root, model);
            var mine = tags.TryGetValue(version, out var t)
                ? t
                : new SortedDictionary<string, string>(StringComparer.Ordinal);
            var missing = remove.Where(k => !mine.ContainsKey(k)).ToList();
            if (missing.Count > 0)
                throw new InvalidInputException($"{model} v{version} has no tag {string.Join(", ", missing)} "
                    + $"(its tags: {(mine.Count == 0 ? "none" : string.Join(", ", mine.Keys))}). "
                    + "Fix: remove a tag it has.") { Model = model };
            var before = ZooLayout.ToJson(mine);
            foreach (var key in remove) mine.Remove(key);
            foreach (var (key, value) in set) mine[key] = value;
            now = mine;
            if (ZooLayout.ToJson(mine) == before) return null;
            tags[version] = mine;
            ZooLifecycle.WriteTags(root, model, tags);
            var change = set.Select(p => $"{p.Key}={p.Value}").Concat(remove.Select(k => $"-{k}"));
            return $"zoo: tag {model} v{version} {string.Join(" ", change)}\n";
        }, ct);
        return new TagResult
        {
            Model = model, Version = version, Tags = now, Commit = outcome.Commit, Changed = outcome.Commit is not null,
            Mirrors = outcome.Mirrors,
        };
    }

    /// <summary>The verb that sets <paramref name="state"/>: deprecate, yank or archive.</summary>
    public static string Verb(VersionState state) => state switch
    {
        VersionState.Deprecated => "deprecate",
        VersionState.Yanked => "yank",
        _ => "archive",
    };

    private static string Name(VersionState state) => state.ToString().ToLowerInvariant();

    /// <summary>One metadata change of an existing version: committed on the primary's tip, pushed, then
    /// mirrored.</summary>
    private async Task<(string? Commit, IReadOnlyList<MirrorResult> Mirrors)> CommitMetadataAsync(string model,
        int version, Git.GitAuthor author, Func<string, string?> change, CancellationToken ct)
    {
        if (!ZooLayout.IsModelName(model))
            throw new InvalidInputException($"model name '{model}' is invalid. "
                + "Fix: use the name of a published model (see 'modelpipe models list').");
        await EnsureRemotesAsync(ct);
        var outcome = await Clone.CommitChangeAndPushAsync(author, async (root, token) =>
        {
            await History.CheckAsync(await Clone.HeadAsync(token), token);
            var versions = ZooLayout.Versions(root, model);
            if (versions.Count == 0)
                throw new InvalidInputException($"model '{model}' is not in the zoo at "
                    + $"{Redactor.Redact(Primary.Url)}. Fix: publish it first, or check the name with "
                    + "'modelpipe models list'.") { Model = model };
            if (!versions.Contains(version))
                throw new InvalidInputException($"model '{model}' has no version v{version} (it has "
                    + $"{string.Join(", ", versions.Select(v => $"v{v}"))}). Fix: pick an existing version.")
                { Model = model };
            return Change(root, change(root), [model]);
        }, _settings.PushAttempts, ct);
        var commit = outcome.Commit ?? outcome.Tip!;
        await History.RememberAsync(commit, ct);
        _reporter.Info(model, outcome.Commit is null
            ? $"v{version}: nothing to change"
            : $"v{version}: committed {commit[..12]}");
        var mirrors = await PushMirrorsAsync(model, commit, ct);
        return (outcome.Commit, mirrors);
    }
}

/// <summary>The result of <c>models deprecate|yank|archive</c> (and their <c>--undo</c>).</summary>
public sealed record LifecycleResult
{
    public required string Model { get; init; }
    public required int Version { get; init; }
    public required VersionState State { get; init; }
    public required VersionState Previous { get; init; }
    public string? Reason { get; init; }
    public string? Commit { get; init; }
    public bool Changed { get; init; }
    public IReadOnlyList<MirrorResult> Mirrors { get; init; } = [];
}

/// <summary>The result of <c>models tag</c>: the version's tags afterwards.</summary>
public sealed record TagResult
{
    public required string Model { get; init; }
    public required int Version { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
    public string? Commit { get; init; }
    public bool Changed { get; init; }
    public IReadOnlyList<MirrorResult> Mirrors { get; init; } = [];
}
