using ModelPipeline.Errors;

namespace ModelPipeline.Zoo;

public sealed partial class ZooRepository
{
    /// <summary>
    /// Publishes one validated, packaged training result as <c>models/&lt;name&gt;/vN</c> (N = highest on
    /// the primary + 1), moves <c>latest</c> to it, pushes the primary (failure throws: nothing is
    /// published) and then every mirror (failure is a warning). A training key already in the zoo
    /// makes no commit, and the record returned is that version's: its image digest, whatever
    /// image this run packaged (one version, one digest).
    /// </summary>
    public async Task<ZooRecord> PublishAsync(ZooEntryInput input, CancellationToken ct)
    {
        var model = input.Definition.Name;
        await EnsureRemotesAsync(ct);
        var version = 0;
        var already = false;
        PublishedVersion? recorded = null;
        ZooImage? signedImage = null;
        var outcome = await Clone.CommitAndPushAsync(Git.GitAuthor.Resolve(_settings.AuthorName, _settings.AuthorEmail), async (root, token) =>
        {
            await History.CheckAsync(await Clone.HeadAsync(token), token);
            recorded = await FindCheckedAsync(root, model, input.TrainingKey, null, token);
            if (recorded is not null && RepackagedAsNew(recorded, input.Image))
            {
                _reporter.Info(model, $"v{recorded.Version} of training key {input.TrainingKey[..12]} is never deployed " +
                    $"(its image has no /bin/sh); this run's image {input.Image.Digest[..19]} on " +
                    $"'{input.Image.BaseImage}' is published as a new version of the same training output");
                recorded = null;
            }
            if (recorded is not null)
            {
                (version, already) = (recorded.Version, true);
                return null;
            }
            var problems = ZooIndexer.VerifyModel(root, model).Concat(ZooLedger.VerifyModel(root, model))
                .Where(p => !p.Contains(" has no " + ZooLedger.FileName, StringComparison.Ordinal)).ToList();
            if (problems.Count > 0)
                throw new OperationFailedException($"the zoo at {Redactor.Redact(Primary.Url)} is inconsistent; refusing to add to it:{Environment.NewLine}  - {string.Join(Environment.NewLine + "  - ", problems)}{Environment.NewLine}Fix: repair the zoo (run 'modelpipe models verify') before publishing.") { Model = model };
            (version, already) = (ZooLayout.Versions(root, model).DefaultIfEmpty(0).Max() + 1, false);
            var unrecorded = ZooLayout.Versions(root, model).Where(v => ZooLedger.Read(root, model).All(e => e.Version != v)).ToList();
            signedImage = input.SignAs is null ? null : await input.SignAs(version, token);
            var entry = signedImage is null ? input : input with { Image = signedImage };
            var manifest = await ZooEntryWriter.WriteAsync(root, version, entry, _settings.InlineMaxBytes,
                DateTimeOffset.UtcNow, token);
            // Versions published before ledgers existed are recorded as they are now, then the new one.
            if (unrecorded.Count > 0)
                _reporter.Warning(model, $"recorded {string.Join(", ", unrecorded.Select(v => $"v{v}"))} in models/{model}/{ZooLedger.FileName} as they are now (published before the ledger existed)");
            ZooLedger.Append(root, model, [.. unrecorded, version]);
            var aliases = ZooLayout.ReadAliases(root, model);
            aliases[ZooLayout.Latest] = version;
            ZooLayout.Write(ZooLayout.AliasesPath(root, model), aliases);
            ZooIndexer.Write(root, model);
            return $"zoo: publish {model} v{version} ({manifest.Image.Digest})\n\nTraining key: {input.TrainingKey}\nImage: {manifest.Image.Reference}\n";
        }, _settings.PushAttempts, ct);

        var commit = outcome.Commit ?? outcome.Tip
            ?? throw new OperationFailedException($"model '{model}': the zoo has no commit after publishing. Fix: check the primary remote {Redactor.Redact(Primary.Url)}.") { Model = model };
        await History.RememberAsync(commit, ct);
        _reporter.Info(model, already
            ? $"v{version} already holds training key {input.TrainingKey[..12]}; no commit made"
            : $"published v{version} as {commit[..12]} to the primary after {outcome.Attempts} attempt(s)");
        var mirrors = await PushMirrorsAsync(model, commit, ct);
        var image = recorded?.Manifest.Image ?? (signedImage ?? input.Image);
        return new ZooRecord
        {
            Model = model,
            TrainingKey = input.TrainingKey,
            Version = version,
            Commit = commit,
            Digest = image.Digest,
            Reference = image.Reference,
            StorageUri = image.StorageUri,
            Image = image,
            Published = recorded is null ? null : recorded with { ZooCommit = commit },
            Mirrors = mirrors,
            AlreadyPublished = already,
            PublishedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>
    /// The way out of a version that can never be deployed: a key whose recorded image has no shell is
    /// published again as a new version when this run packaged another image, on another base, with a shell.
    /// </summary>
    private static bool RepackagedAsNew(PublishedVersion recorded, ZooImage image) =>
        recorded.Manifest.Image.HasNoShell && !image.HasNoShell && image.Digest != recorded.Manifest.Image.Digest
        && image.BaseImage is not null && image.BaseImage != recorded.Manifest.Image.BaseImage;

    /// <summary>
    /// Points <paramref name="alias"/> of <paramref name="model"/> at <paramref name="version"/>: a
    /// recorded commit on the primary, pushed to the mirrors. Unchanged aliases make no commit.
    /// An unknown model or version, or an invalid alias name, is invalid input (exit 2), and so is a
    /// protected alias (the zoo's <see cref="Lifecycle.ZooPolicy"/>) that <paramref name="mover"/> may not move.
    /// </summary>
    public async Task<AliasResult> SetAliasAsync(string model, string alias, int version, CancellationToken ct,
        Lifecycle.AliasMover mover = Lifecycle.AliasMover.Hand)
    {
        if (!ZooLayout.IsModelName(model))
            throw new InvalidInputException($"model name '{model}' is invalid. Fix: use the name of a published model (see 'modelpipe models list').");
        if (!ZooLayout.IsAliasName(alias))
            throw new InvalidInputException($"alias '{alias}' is invalid. Fix: use lower-case letters, digits and '-', starting with a letter, at most 40 characters, and not of the form vN.");
        await EnsureRemotesAsync(ct);
        int? was = null;
        var outcome = await Clone.CommitAndPushAsync(Git.GitAuthor.Resolve(_settings.AuthorName, _settings.AuthorEmail), async (root, token) =>
        {
            await History.CheckAsync(await Clone.HeadAsync(token), token);
            var versions = ZooLayout.Versions(root, model);
            if (versions.Count == 0)
                throw new InvalidInputException($"model '{model}' is not in the zoo at {Redactor.Redact(Primary.Url)}. Fix: publish it first, or check the name with 'modelpipe models list'.") { Model = model };
            if (!versions.Contains(version))
                throw new InvalidInputException($"model '{model}' has no version v{version} (it has {string.Join(", ", versions.Select(v => $"v{v}"))}). Fix: pick an existing version.") { Model = model };
            var aliases = ZooLayout.ReadAliases(root, model);
            if (aliases.TryGetValue(alias, out var current) && current == version) return null;
            Lifecycle.ProtectedAlias.Check(root, model, alias, version, mover);
            was = aliases.TryGetValue(alias, out var p) ? p : null;
            var previous = was is { } w ? $" (was v{w})" : "";
            aliases[alias] = version;
            ZooLayout.Write(ZooLayout.AliasesPath(root, model), aliases);
            ZooIndexer.Write(root, model);
            return $"zoo: set alias {alias} of {model} to v{version}{previous}\n\n{Lifecycle.ProtectedAlias.Trailer}: {Lifecycle.ProtectedAlias.Name(mover)}\n";
        }, _settings.PushAttempts, ct);
        var commit = outcome.Commit ?? outcome.Tip!;
        await History.RememberAsync(commit, ct);
        _reporter.Info(model, outcome.Commit is null ? $"alias {alias} already points to v{version}" : $"alias {alias} → v{version} committed as {commit[..12]}");
        var mirrors = await PushMirrorsAsync(model, commit, ct);
        if (outcome.Commit is not null)
            await _notifier.NotifyAsync(new Notifications.WebhookEvent
            {
                Event = Notifications.EventTypes.AliasMoved, Model = model, Version = version, Alias = alias, PreviousVersion = was,
                Summary = $"{model}: alias {alias} now points to v{version}{(was is { } w ? $" (was v{w})" : "")}",
            }, ct);
        return new AliasResult { Model = model, Alias = alias, Version = version, Commit = outcome.Commit, Changed = outcome.Commit is not null, Mirrors = mirrors };
    }
}
