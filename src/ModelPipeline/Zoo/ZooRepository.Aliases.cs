using ModelPipeline.Errors;

namespace ModelPipeline.Zoo;

public sealed partial class ZooRepository
{
    /// <summary>
    /// Points <paramref name="alias"/> of <paramref name="model"/> at <paramref name="version"/>: a
    /// recorded commit on the primary, pushed to the mirrors. Unchanged aliases make no commit.
    /// An unknown model or version, or an invalid alias name, is invalid input (exit 2), and so is a
    /// protected alias (the zoo's <see cref="Lifecycle.ZooPolicy"/>) that <paramref name="mover"/> may not move.
    /// </summary>
    public async Task<AliasResult> SetAliasAsync(string model, string alias, int version, CancellationToken ct,
        Lifecycle.AliasMover mover = Lifecycle.AliasMover.Hand)
    {
        var result = (await SetAliasesAsync([new AliasMove(model, alias, version)], mover, ct))[0];
        return result.Result ?? throw result.Error!;
    }

    /// <summary>
    /// <see cref="SetAliasAsync"/> for many aliases in ONE commit, one push to the primary and one to each
    /// mirror. A refused move (its error in its result) changes nothing; the others are made. A push that
    /// loses a race makes every move again from the new tip.
    /// </summary>
    public async Task<IReadOnlyList<AliasMoveResult>> SetAliasesAsync(IReadOnlyList<AliasMove> moves,
        Lifecycle.AliasMover mover, CancellationToken ct)
    {
        var badName = moves.Select(m => CheckNames(m.Model, m.Alias)).ToArray();
        var errors = badName.Select(e => (PipelineException?)e).ToArray();
        var was = new int?[moves.Count];
        var changed = new bool[moves.Count];
        if (badName.All(e => e is not null))
            return [.. moves.Select((m, i) => new AliasMoveResult(m, null, errors[i]))];
        await EnsureRemotesAsync(ct);
        var trailer = $"{Lifecycle.ProtectedAlias.Trailer}: {Lifecycle.ProtectedAlias.Name(mover)}";
        var author = Git.GitAuthor.Resolve(_settings.AuthorName, _settings.AuthorEmail);
        var outcome = await Clone.CommitChangeAndPushAsync(author,
            async (root, token) =>
            {
                await History.CheckAsync(await Clone.HeadAsync(token), token);
                var subjects = new List<string>();
                var moved = new SortedSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < moves.Count; i++)
                {
                    if (badName[i] is not null) continue;
                    (errors[i], was[i], changed[i]) = (null, null, false);
                    try
                    {
                        if (MoveAlias(root, moves[i], mover) is not { } move) continue;
                        (was[i], changed[i]) = (move.Was, true);
                        subjects.Add(move.Subject);
                        moved.Add(moves[i].Model);
                    }
                    catch (PipelineException ex)
                    {
                        errors[i] = ex;
                    }
                }
                foreach (var model in moved) ZooIndexer.Write(root, model);
                return Change(root, subjects.Count switch
                {
                    0 => null,
                    1 => $"zoo: {subjects[0]}\n\n{trailer}\n",
                    _ => $"zoo: set {subjects.Count} aliases\n\n{string.Join("\n", subjects)}\n\n{trailer}\n",
                }, moved);
            }, _settings.PushAttempts, ct);
        var commit = outcome.Commit ?? outcome.Tip!;
        await History.RememberAsync(commit, ct);
        for (var i = 0; i < moves.Count; i++)
            if (errors[i] is null && (moves.Count == 1 || changed[i]))
                _reporter.Info(moves[i].Model, !changed[i]
                    ? $"alias {moves[i].Alias} already points to v{moves[i].Version}"
                    : $"alias {moves[i].Alias} → v{moves[i].Version} committed as {commit[..12]}");
        var mirrors = await PushMirrorsAsync(moves.Count == 1 ? moves[0].Model : null, commit, ct);
        var results = new List<AliasMoveResult>();
        for (var i = 0; i < moves.Count; i++)
        {
            var (move, previous) = (moves[i], was[i]);
            if (errors[i] is { } error)
            {
                results.Add(new AliasMoveResult(move, null, error));
                continue;
            }
            if (changed[i])
                await _notifier.NotifyAsync(new Notifications.WebhookEvent
                {
                    Event = Notifications.EventTypes.AliasMoved, Model = move.Model, Version = move.Version,
                    Alias = move.Alias, PreviousVersion = previous,
                    Summary = $"{move.Model}: alias {move.Alias} now points to v{move.Version}" +
                        (previous is { } w ? $" (was v{w})" : ""),
                }, ct);
            results.Add(new AliasMoveResult(move, new AliasResult
            {
                Model = move.Model, Alias = move.Alias, Version = move.Version,
                Commit = changed[i] ? outcome.Commit : null, Changed = changed[i], Mirrors = mirrors,
            }, null));
        }
        return results;
    }

    private static InvalidInputException? CheckNames(string model, string alias)
    {
        if (!ZooLayout.IsModelName(model))
            return new($"model name '{model}' is invalid. " +
                "Fix: use the name of a published model (see 'modelpipe models list').");
        if (!ZooLayout.IsAliasName(alias))
            return new($"alias '{alias}' is invalid. " +
                "Fix: use lower-case letters, digits and '-', starting with a letter, " +
                "at most 40 characters, and not of the form vN.");
        return null;
    }

    /// <summary>One alias move in the working tree: null when it already points there, else its subject line.</summary>
    private (int? Was, string Subject)? MoveAlias(string root, AliasMove move, Lifecycle.AliasMover mover)
    {
        var (model, alias, version) = move;
        var versions = ZooLayout.Versions(root, model);
        if (versions.Count == 0)
            throw new InvalidInputException($"model '{model}' is not in the zoo at {Redactor.Redact(Primary.Url)}. " +
                "Fix: publish it first, or check the name with 'modelpipe models list'.") { Model = model };
        if (!versions.Contains(version))
            throw new InvalidInputException($"model '{model}' has no version v{version} (it has " +
                $"{string.Join(", ", versions.Select(v => $"v{v}"))}). Fix: pick an existing version.")
            {
                Model = model,
            };
        var aliases = ZooLayout.ReadAliases(root, model);
        if (aliases.TryGetValue(alias, out var current) && current == version) return null;
        Lifecycle.ProtectedAlias.Check(root, model, alias, version, mover);
        int? was = aliases.TryGetValue(alias, out var p) ? p : null;
        aliases[alias] = version;
        ZooLayout.Write(ZooLayout.AliasesPath(root, model), aliases);
        return (was, $"set alias {alias} of {model} to v{version}{(was is { } w ? $" (was v{w})" : "")}");
    }
}

/// <summary>A zoo alias to point at a version.</summary>
public sealed record AliasMove(string Model, string Alias, int Version);

/// <summary>One move's outcome of <see cref="ZooRepository.SetAliasesAsync"/>: its result, or its error.</summary>
public sealed record AliasMoveResult(AliasMove Move, AliasResult? Result, PipelineException? Error);
