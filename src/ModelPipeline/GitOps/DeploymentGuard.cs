using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Packaging;
using ModelPipeline.RunState;

namespace ModelPipeline.GitOps;

/// <summary>
/// What UpdateGitOps refuses to pin, whatever <c>modelcar.lintShell</c> says for packaging alone:
/// an image whose base has no <c>/bin/sh</c> (KServe's modelcar sidecar could not start it), and,
/// with <c>signing.required</c>, an image that was not signed.
/// </summary>
public static class DeploymentGuard
{
    public static void Check(PipelineConfig config, RunStateStore state, string model, string key)
    {
        var package = state.ReadRun<PackageRecord>(model, key, "package");
        if (package is null) return;
        if (package.Warnings.Any(w => w.StartsWith("shell:", StringComparison.Ordinal)))
            throw new OperationFailedException($"model '{model}': {package.Reference}{Version(package)} has no /bin/sh " +
                $"(packaged on '{package.BaseImage ?? config.ModelCar.BaseImage}'), so KServe's modelcar sidecar cannot " +
                "start it; it is never deployed. Fix: set modelcar.baseImage to \"busybox-static\" (the embedded base) or " +
                $"a registry image with a shell, then run ./build.sh Publish --model {model}: the same training output " +
                "is packaged on that base and published as a new version.") { Model = model };
        if (config.Signing.Required && package.Attestations?.Signature is null)
            throw new OperationFailedException($"model '{model}': {package.Reference} is not signed and signing.required is " +
                $"true; it is not deployed. Fix: set the signing key in ${config.Signing.KeyEnv} (PEM or a path; the " +
                $"passphrase in ${config.Signing.PasswordEnv}), then run ./build.sh Publish --model {model} (PushMirrors " +
                $"signs the published version), or run 'modelpipe sign {model}@vN'.") { Model = model };
    }

    private static string Version(PackageRecord package) => package.ReusedVersion is { } v ? $" (v{v})" : "";
}
