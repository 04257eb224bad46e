using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Models;
using ModelPipeline.Packaging;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Validation;
using ModelPipeline.Zoo;
using ModelPipeline.Zoo.Pull;

namespace ModelPipeline.Inference;

/// <summary>
/// The ServeCheck step, a gate between PackageModelCar and PushMirrors (so before the test pin):
/// the image PackageModelCar recorded is pulled by digest with <c>pull</c>'s verification (every
/// blob; the files must be exactly the validated ones), its ONNX file served by an
/// <see cref="InferenceServer"/> on a free loopback port, and the gate's test vectors sent over HTTP
/// (<see cref="ServingProbe"/>). The verdict, with p50/p95 latency, goes to
/// <c>runs/&lt;key&gt;/serve-check.json</c>; PushMirrors publishes it in the version's validation.json
/// and refuses a failed one. A key the zoo already holds reuses the verdict it was published with.
/// </summary>
public sealed class ServingCheckStep(PipelineConfig config, RunStateStore state, IPipelineReporter reporter)
{
    public const string RecordName = "serve-check";

    /// <summary>The server the checks of a run share (ServeCheck over many models); null: one per check.</summary>
    public SharedInferenceServer? Server { get; init; }

    public async Task<ServingCheckRecord> RunAsync(ModelDefinition model, CancellationToken ct)
    {
        var key = state.RequireValidated(model.Name);
        ServingCheckRecord Record(string status, string detail) => new()
        {
            Model = model.Name, TrainingKey = key, Status = status, Detail = detail, CheckedAt = DateTimeOffset.UtcNow,
        };
        if (model.Serving.Check is { Enabled: false } off)
            return Write(Record(ServingCheckRecord.OffStatus, $"turned off in model.json: {off.Reason}") with { Reason = off.Reason });
        if (model.Validation.OnnxModel is not { } onnx)
            return Write(Record(ServingCheckRecord.NotApplicableStatus, "no $.validation.onnxModel: nothing to serve over the Open Inference Protocol"));
        var package = state.ReadRun<PackageRecord>(model.Name, key, "package") is { } p && p.TrainingKey == key ? p
            : throw new OperationFailedException($"model '{model.Name}' (training key {key[..12]}) has not been packaged. Fix: run ./build.sh PackageModelCar --model {model.Name}.") { Model = model.Name };

        IReadOnlyList<ZooFile> files;
        string expectedFrom;
        string? from = null;
        if (state.ReadRun<PublishedVersion>(model.Name, key, "published") is { } published)
        {
            if (published.Validation?.Serving is { } recorded && recorded.Digest == package.Digest)
            {
                reporter.Info(model.Name, $"v{published.Version} was published with a serving check verdict ({recorded.Status}): it stands");
                return Write(recorded with { From = $"zoo v{published.Version}: recorded verdict" });
            }
            (files, expectedFrom, from) = (published.Manifest.Files, "the zoo", $"zoo v{published.Version}: its image checked now");
        }
        else
        {
            var validated = state.ReadRun<ValidationReport>(model.Name, key, "validate")!;
            (files, expectedFrom) = (validated.Manifest.Select(f => new ZooFile(f.Path, f.Size, f.Sha256, false)).ToList(), "the validation manifest");
        }
        var previous = state.ReadRun<ServingCheckRecord>(model.Name, key, RecordName);
        if (previous is { Status: ServingCheckRecord.PassedStatus } && previous.Digest == package.Digest && previous.Tolerance == model.Validation.Tolerance)
        {
            reporter.Info(model.Name, $"{package.Digest[..19]}… already passed the serving check: {previous.Detail}");
            return previous;
        }

        var outcome = await CheckAsync(model, key, package, files, expectedFrom, onnx, ct);
        var record = Record(outcome.Passed ? ServingCheckRecord.PassedStatus : ServingCheckRecord.FailedStatus, outcome.Detail) with
        {
            Digest = package.Digest, Vectors = outcome.Vectors, Requests = outcome.Requests, P50Ms = outcome.P50Ms, P95Ms = outcome.P95Ms,
            LargestDifference = outcome.LargestDifference, Tolerance = model.Validation.Tolerance, From = from,
        };
        Write(record);
        if (!record.Passed)
            throw new GateFailedException($"model '{model.Name}': the packaged image {package.Reference} failed the serving check; it is not published or pinned. " +
                $"Verdict: {Path.Combine(state.RunDir(model.Name, key), RecordName + ".json")}", [record.Detail]) { Model = model.Name };
        reporter.Info(model.Name, $"serving check passed: {record.Detail}");
        return record;
    }

    private async Task<ProbeOutcome> CheckAsync(ModelDefinition model, string key, PackageRecord package, IReadOnlyList<ZooFile> files,
        string expectedFrom, string onnx, CancellationToken ct)
    {
        var work = Path.Combine(state.RunDir(model.Name, key), RecordName);
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        try
        {
            var image = new ZooImage
            {
                Repository = package.Repository, Digest = package.Digest, Reference = package.Reference, StorageUri = package.StorageUri, Destination = package.Destination,
            };
            try
            {
                await new ModelPuller(config, reporter).PullImageAsync(model.Name, $"{model.Name} {package.Digest[..19]}…", image, package.Digest, files, expectedFrom, null, work, ct);
            }
            catch (OperationFailedException ex)
            {
                return new ProbeOutcome(false, 0, 0, null, null, null, $"the image cannot be served as validated: {ex.Message}");
            }
            using var served = ServedModel.Load(model.Name, null, Path.Combine(work, onnx));
            var vectors = model.Validation.TestVectors is { } v && File.Exists(Path.Combine(work, v)) ? Path.Combine(work, v) : null;
            if (Server is { } shared)
            {
                var address = await shared.AddressAsync(ct);
                shared.Models.Add(served);
                try
                {
                    return await ProbeAsync(model, package, address, vectors, ct);
                }
                finally
                {
                    shared.Models.Remove(served);
                }
            }
            await using var server = await InferenceServer.StartAsync(served, new InferenceServerOptions { Port = 0 },
                ct);
            return await ProbeAsync(model, package, server.Address, vectors, ct);
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }

    private Task<ProbeOutcome> ProbeAsync(ModelDefinition model, PackageRecord package, Uri address, string? vectors,
        CancellationToken ct)
    {
        reporter.Info(model.Name,
            $"serving {package.Digest[..19]}… at {address} (Open Inference Protocol); sending the test vectors");
        return ServingProbe.RunAsync(address, model.Name, vectors, model.Validation.Tolerance, ct);
    }

    private ServingCheckRecord Write(ServingCheckRecord record)
    {
        state.WriteRun(record.Model, record.TrainingKey, RecordName, record);
        return record;
    }
}
