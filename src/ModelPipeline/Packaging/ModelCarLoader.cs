using ModelPipeline.Configuration;
using ModelPipeline.Docker;
using ModelPipeline.Oci;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Validation;

namespace ModelPipeline.Packaging;

/// <summary>
/// <c>modelpipe package --load</c>: puts the packaged image into the Docker engine (loaded from the
/// OCI layout, or pulled by digest from the registry) and smoke-tests it against the validation manifest.
/// </summary>
public sealed class ModelCarLoader(PipelineConfig config, RunStateStore state, IPipelineReporter reporter)
{
    public async Task<string> LoadAsync(PackageRecord record, CancellationToken ct = default)
    {
        var report = state.ReadRun<ValidationReport>(record.Model, record.TrainingKey, "validate")
            ?? throw new Errors.OperationFailedException($"model '{record.Model}': validate.json for key {record.TrainingKey[..12]} is missing. Fix: run ./build.sh Validate --model {record.Model}.") { Model = record.Model };
        using var engine = await DockerEngine.ConnectAsync(ct: ct);
        var repoTag = $"{record.Repository}:{record.Tag}";
        if (record.Destination == "registry")
        {
            var repository = ImageReference.Parse(record.Repository, $"package.json of model '{record.Model}': repository");
            var credentials = RegistryCredentials.Find(repository.Registry, config.Registry, Environment.GetEnvironmentVariables());
            await engine.PullAsync(record.Repository, record.Digest, repoTag, credentials, ct);
        }
        else
        {
            await engine.LoadAsync(new OciLayout(Path.GetFullPath(Path.Combine(config.RepoRoot, config.ModelCar.LayoutDir))), record.Tag, repoTag, ct);
        }
        reporter.Info(record.Model, $"loaded {repoTag} into the Docker engine at {engine.Endpoint}");
        if (record.Warnings.Any(w => w.StartsWith("shell:", StringComparison.Ordinal)))
        {
            reporter.Warning(record.Model, "smoke test skipped: the image has no /bin/sh to run it with (set modelcar.baseImage to an image with a shell)");
            return $"loaded {repoTag}; not smoke-tested (no /bin/sh)";
        }
        var smoke = await engine.SmokeTestAsync(repoTag, report.Manifest, ct);
        reporter.Info(record.Model, "smoke test: " + smoke);
        return $"loaded {repoTag}; {smoke}";
    }
}
