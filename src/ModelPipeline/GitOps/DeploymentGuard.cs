using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Packaging;
using ModelPipeline.RunState;

namespace ModelPipeline.GitOps;

/// <summary>
/// What UpdateGitOps refuses to pin, whatever <c>modelcar.lintShell</c> says for packaging alone:
/// an image whose base has no <c>/bin/sh</c> (KServe's modelcar sidecar could not start it).
/// </summary>
public static class DeploymentGuard
{
    public static void Check(PipelineConfig config, RunStateStore state, string model, string key)
    {
        var package = state.ReadRun<PackageRecord>(model, key, "package");
        if (package is null) return;
        if (package.Warnings.Any(w => w.StartsWith("shell:", StringComparison.Ordinal)))
            throw new OperationFailedException($"model '{model}': {package.Reference} has no /bin/sh (its base is '{config.ModelCar.BaseImage}' or was when it was packaged), so KServe's modelcar sidecar cannot start it; it is not deployed. Fix: set modelcar.baseImage to \"busybox-static\" (the embedded base) or a registry image with a shell, then run ./build.sh Publish --model {model}.") { Model = model };
    }
}
