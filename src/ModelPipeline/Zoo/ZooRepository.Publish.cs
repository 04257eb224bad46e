using ModelPipeline.Errors;

namespace ModelPipeline.Zoo;

public sealed partial class ZooRepository
{
    /// <summary>
    /// Publishes one validated, packaged training result: <see cref="PublishManyAsync"/> of one input,
    /// whose failure is thrown.
    /// </summary>
    public async Task<ZooRecord> PublishAsync(ZooEntryInput input, CancellationToken ct)
    {
        var result = (await PublishManyAsync([input], ct))[0];
        return result.Record ?? throw result.Error!;
    }

    /// <summary>
    /// Publishes validated, packaged training results, each as <c>models/&lt;name&gt;/vN</c> (N = highest on
    /// the primary + 1) with <c>latest</c> moved to it, all in ONE commit pushed once to the primary (failure
    /// throws: nothing is published) and then once to every mirror (failure is a warning). Each model touches
    /// only its own folder and its entry in the top-level index; a model that fails (an inconsistent folder, a
    /// failed signature) has its folder restored and is left out of the commit with its error, the others are
    /// published. A push that loses a race re-runs every model's change from the new tip: versions are
    /// renumbered and signed again. A training key already in the zoo adds nothing, and its record is that
    /// version's: its image digest, whatever image this run packaged (one version, one digest).
    /// </summary>
    public async Task<IReadOnlyList<ZooPublishResult>> PublishManyAsync(IReadOnlyList<ZooEntryInput> inputs,
        CancellationToken ct)
    {
        await EnsureRemotesAsync(ct);
        var slots = inputs.Select(i => new PublishSlot(i)).ToArray();
        var author = Git.GitAuthor.Resolve(_settings.AuthorName, _settings.AuthorEmail);
        var outcome = await Clone.CommitChangeAndPushAsync(author,
            async (root, token) =>
            {
                var head = await Clone.HeadAsync(token);
                await History.CheckAsync(head, token);
                var messages = new List<string>();
                var written = new List<string>(); // a failed model's folder is restored, a published one's untouched
                foreach (var slot in slots)
                {
                    slot.Reset();
                    try
                    {
                        if (await AddVersionAsync(root, head, slot, token) is not { } message) continue;
                        messages.Add(message);
                        written.Add(slot.Model);
                    }
                    catch (PipelineException ex)
                    {
                        slot.Error = ex;
                        await RestoreModelAsync(root, slot.Model, token);
                    }
                }
                return Change(root, messages.Count switch
                {
                    0 => null,
                    1 => messages[0],
                    _ => $"zoo: publish {messages.Count} versions\n\n" +
                        $"{string.Join("\n", messages.Select(m => m.Split('\n')[0]))}\n",
                }, written);
            }, _settings.PushAttempts, ct);

        if (slots.All(s => s.Error is not null)) return [.. slots.Select(s => new ZooPublishResult(s.Model, null, s.Error))];
        var commit = outcome.Commit ?? outcome.Tip
            ?? throw new OperationFailedException("the zoo has no commit after publishing. " +
                $"Fix: check the primary remote {Redactor.Redact(Primary.Url)}.");
        await History.RememberAsync(commit, ct);
        var published = slots.Count(s => s.Error is null && !s.Already);
        foreach (var slot in slots.Where(s => s.Error is null))
            if (!slot.Already)
                _reporter.Info(slot.Model,
                    $"published v{slot.Version} as {commit[..12]} to the primary after {outcome.Attempts} attempt(s)");
            else if (slots.Length == 1)
                _reporter.Info(slot.Model,
                    $"v{slot.Version} already holds training key {slot.Input.TrainingKey[..12]}; no commit made");
        if (slots.Length > 1)
            _reporter.Info(null, $"zoo: {published} new version(s) in " +
                (outcome.Commit is null ? "no commit" : $"one commit {commit[..12]}") +
                $", {slots.Count(s => s.Error is null && s.Already)} already published, " +
                $"{slots.Count(s => s.Error is not null)} failed");
        var mirrors = await PushMirrorsAsync(slots.Length == 1 ? slots[0].Model : null, commit, ct);
        return slots.Select(slot => slot.Error is not null
            ? new ZooPublishResult(slot.Model, null, slot.Error)
            : new ZooPublishResult(slot.Model, slot.Record(commit, mirrors), null)).ToList();
    }

    /// <summary>
    /// One model's part of the publishing commit: nothing when its key is published (the slot records that
    /// version), else its new version folder, ledger line, <c>latest</c> alias and index entries. Returns the
    /// commit message for this version, or null.
    /// </summary>
    private async Task<string?> AddVersionAsync(string root, string? head, PublishSlot slot, CancellationToken token)
    {
        var input = slot.Input;
        var model = slot.Model;
        var recorded = await FindCheckedAsync(root, model, input.TrainingKey, head, token);
        if (recorded is not null && RepackagedAsNew(recorded, input.Image))
        {
            _reporter.Info(model, $"v{recorded.Version} of training key {input.TrainingKey[..12]} is never deployed " +
                $"(its image has no /bin/sh); this run's image {input.Image.Digest[..19]} on " +
                $"'{input.Image.BaseImage}' is published as a new version of the same training output");
            recorded = null;
        }
        if (recorded is not null)
        {
            (slot.Version, slot.Already, slot.Recorded) = (recorded.Version, true, recorded);
            return null;
        }
        var problems = ZooIndexer.VerifyModel(root, model).Concat(ZooLedger.VerifyModel(root, model))
            .Where(p => !p.Contains(" has no " + ZooLedger.FileName, StringComparison.Ordinal)).ToList();
        if (problems.Count > 0)
            throw new OperationFailedException($"the zoo at {Redactor.Redact(Primary.Url)} is inconsistent; refusing to add to it:{Environment.NewLine}  - {string.Join(Environment.NewLine + "  - ", problems)}{Environment.NewLine}Fix: repair the zoo (run 'modelpipe models verify') before publishing.") { Model = model };
        var version = ZooLayout.Versions(root, model).DefaultIfEmpty(0).Max() + 1;
        slot.Version = version;
        var unrecorded = ZooLayout.Versions(root, model).Where(v => ZooLedger.Read(root, model).All(e => e.Version != v)).ToList();
        slot.SignedImage = input.SignAs is null ? null : await input.SignAs(version, token);
        var entry = slot.SignedImage is null ? input : input with { Image = slot.SignedImage };
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
    }

    /// <summary>
    /// Puts a model's folder back as the commit has it (a failed model leaves nothing in the batch's commit).
    /// Its entry in the top-level index is written last, so it is untouched when a model fails.
    /// </summary>
    private async Task RestoreModelAsync(string root, string model, CancellationToken ct)
    {
        var dir = $"models/{model}";
        await _git.RunAsync(root, ["clean", "-fdq", "--", dir], ct);
        if (await Clone.RevParseAsync("HEAD", ct) is null) return; // an empty zoo: the folder was all new
        if ((await _git.RunAsync(root, ["ls-tree", "--name-only", "HEAD", "--", dir], ct)).Trim().Length > 0)
            await _git.RunAsync(root, ["checkout", "-q", "HEAD", "--", dir], ct);
    }

    /// <summary>One input of <see cref="PublishManyAsync"/> and what the current attempt made of it.</summary>
    private sealed class PublishSlot(ZooEntryInput input)
    {
        public ZooEntryInput Input { get; } = input;
        public string Model => Input.Definition.Name;
        public int Version { get; set; }
        public bool Already { get; set; }
        public PublishedVersion? Recorded { get; set; }
        public ZooImage? SignedImage { get; set; }
        public PipelineException? Error { get; set; }

        public void Reset() => (Version, Already, Recorded, SignedImage, Error) = (0, false, null, null, null);

        public ZooRecord Record(string commit, IReadOnlyList<MirrorResult> mirrors)
        {
            var image = Recorded?.Manifest.Image ?? SignedImage ?? Input.Image;
            return new ZooRecord
            {
                Model = Model,
                TrainingKey = Input.TrainingKey,
                Version = Version,
                Commit = commit,
                Digest = image.Digest,
                Reference = image.Reference,
                StorageUri = image.StorageUri,
                Image = image,
                Published = Recorded is null ? null : Recorded with { ZooCommit = commit },
                Mirrors = mirrors,
                AlreadyPublished = Already,
                // An already published key keeps its version's time: an unchanged record is not written again.
                PublishedAt = Already && Recorded is not null ? Recorded.Manifest.CreatedAt : DateTimeOffset.UtcNow,
            };
        }
    }

    /// <summary>
    /// The way out of a version that can never be deployed: a key whose recorded image has no shell is
    /// published again as a new version when this run packaged another image, on another base, with a shell.
    /// </summary>
    private static bool RepackagedAsNew(PublishedVersion recorded, ZooImage image) =>
        recorded.Manifest.Image.HasNoShell && !image.HasNoShell && image.Digest != recorded.Manifest.Image.Digest
        && image.BaseImage is not null && image.BaseImage != recorded.Manifest.Image.BaseImage;
}

/// <summary>One model's outcome of <see cref="ZooRepository.PublishManyAsync"/>: its record, or its error.</summary>
public sealed record ZooPublishResult(string Model, ZooRecord? Record, PipelineException? Error);
