using ModelPipeline.Errors;
using ModelPipeline.Models;
using ModelPipeline.Validation;
using ModelPipeline.Zoo;

namespace ModelPipeline.GitOps;

public sealed partial class Promotion
{
    /// <summary>
    /// Fails closed: the version must be in the zoo with the digest test ran, and pass the gate by the
    /// published entry's verdict (its recorded report while the model's gates are the recorded ones;
    /// otherwise the current gates re-run on its files, pulled from the image by digest). This
    /// workspace's run state plays no part, so a fresh clone decides the same way.
    /// </summary>
    /// <param name="exact">The version was named (Promote --version N): a yanked one passes with <see cref="AllowYanked"/>.</param>
    private async Task RequirePassingVerdictAsync(ZooReads zoo, ModelDefinition model, EnvironmentConfig candidate,
        bool exact, CancellationToken ct)
    {
        var v = $"v{candidate.ModelVersion}";
        var published = await zoo.FindVersionAsync(model.Name, candidate.ModelVersion, ct)
            ?? throw new OperationFailedException(
                $"model '{model.Name}' {v} has no published record in the zoo {Redactor.Redact(config.Zoo.Url)}, so its gate verdict is unknown; refusing to promote it. " +
                $"Fix: check that pipeline.json's zoo is the one that published {v} (modelpipe models show {model.Name}), or publish the model again.") { Model = model.Name };
        // A yanked version is never proposed unless named exactly with --allow-yanked; a deprecated one is a warning.
        Zoo.Lifecycle.ZooLifecycle.Require(model.Name, published.Version, published.Status, exact ? v : null, AllowYanked);
        if (published.Status is { } status)
            reporter.Warning(model.Name, $"{v} is {Zoo.Lifecycle.ZooLifecycle.Describe(status)}; promoting it anyway");
        var image = published.Manifest.Image;
        if (image.Digest != candidate.ImageDigest)
            throw new OperationFailedException(
                $"model '{model.Name}' {v}: test ran {candidate.ImageDigest}, but the zoo records {image.Digest} for {v}; refusing to promote a digest the zoo does not hold for that version. " +
                $"Fix: run ./build.sh UpdateGitOps --model {model.Name} to pin test to the zoo's digest, then promote.") { Model = model.Name };

        // Signatures fail closed here exactly as in 'modelpipe verify': before any branch or pull request.
        if (Trust.VersionVerifier.Applies(config))
            await Trust.VersionVerifier.VerifyAsync(config, reporter, published.Resolved(), null, null, ct);

        var scratch = Path.Combine(state.Root, $".promote-{model.Name}-{Guid.NewGuid():N}");
        try
        {
            var local = state.OutputDir(model.Name, published.Manifest.TrainingKey);
            var report = await PublishedGate.VerdictAsync(config, reporter, model, published, scratch, ct, localDir: local);
            if (!report.Passed)
                throw new OperationFailedException(
                    $"model '{model.Name}' {v} failed the validation gate ({report.From}: {string.Join("; ", report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}"))}); refusing to promote it. " +
                    $"Fix: promote a version that passes the gates in models/{model.Name}/model.json, or fix the model and publish again.") { Model = model.Name };
            reporter.Info(model.Name, $"{v} passes the validation gate ({report.From})");
        }
        finally
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }
}
