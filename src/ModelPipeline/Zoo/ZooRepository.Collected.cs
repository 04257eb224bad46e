using ModelPipeline.Errors;

namespace ModelPipeline.Zoo;

public sealed partial class ZooRepository
{
    /// <summary>
    /// Records in <c>models/&lt;name&gt;/collected.json</c> that garbage collection deleted these versions'
    /// images: one commit on the primary, pushed to the mirrors. Versions already recorded make no commit.
    /// </summary>
    public async Task<string?> RecordCollectedAsync(string model, IReadOnlyList<CollectedImage> collected,
        CancellationToken ct)
    {
        if (collected.Count == 0) return null;
        await EnsureRemotesAsync(ct);
        var versions = string.Join(", ", collected.Select(c => $"v{c.Version}"));
        var author = Git.GitAuthor.Resolve(_settings.AuthorName, _settings.AuthorEmail);
        var outcome = await Clone.CommitChangeAndPushAsync(author, async (root, token) =>
        {
            await History.CheckAsync(await Clone.HeadAsync(token), token);
            var missing = collected.Select(c => c.Version).Except(ZooLayout.Versions(root, model)).ToList();
            if (missing.Count > 0)
                throw new OperationFailedException($"model '{model}' has no version "
                    + $"{string.Join(", ", missing.Select(v => $"v{v}"))} in the zoo at "
                    + $"{Redactor.Redact(Primary.Url)}. "
                    + "Fix: re-run modelpipe gc; it reads the zoo again.") { Model = model };
            return Change(root, CollectedImages.Add(root, model, collected)
                ? $"zoo: gc collected the images of {model} {versions} ({collected.Sum(c => c.Bytes)} bytes)\n"
                : null, [model]);
        }, _settings.PushAttempts, ct);
        var commit = outcome.Commit ?? outcome.Tip!;
        await History.RememberAsync(commit, ct);
        if (outcome.Commit is not null)
        {
            _reporter.Info(model, $"recorded the collected images of {versions} in {CollectedImages.FileName} "
                + $"as {commit[..12]}");
            await PushMirrorsAsync(model, commit, ct);
        }
        return outcome.Commit;
    }
}
