using ModelPipeline.Configuration;
using ModelPipeline.Inference;
using ModelPipeline.Models;
using ModelPipeline.Oci;
using ModelPipeline.Packaging;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Zoo;

namespace ModelPipeline.Importing;

/// <summary>Everything one import did: the imported key, the image, the serving check and the zoo version.</summary>
public sealed record ImportOutcome(ImportResult Import, PackageRecord Package, ServingCheckRecord ServingCheck, ZooRecord Zoo);

/// <summary>
/// <c>modelpipe import</c>: the import step (in place of Fetch, Train and Validate), then the very
/// steps Publish runs after them: PackageModelCar (image, ModelPack, SBOM, provenance), ServeCheck
/// and PushMirrors (zoo version, signature). Each step refuses to run on what an earlier one did
/// not pass, so a failure leaves no zoo version.
/// </summary>
public sealed class ModelImport(PipelineConfig config, RunStateStore state, IPipelineReporter reporter)
{
    public async Task<ImportOutcome> RunAsync(ModelDefinition model, ImportRequest request, CancellationToken ct = default)
    {
        var zoo = new ZooRepository(config, reporter);
        var imported = await new ImportStep(config, state, reporter) { Zoo = zoo }.ImportAsync(model, request, ct);
        PackageOutcome package;
        using (var registries = new RegistryConnector(config.Registry, reporter))
            package = await new ModelCarPackager(config, state, reporter, registries).PackageAsync(model, ct);
        var serving = await new ServingCheckStep(config, state, reporter).RunAsync(model, ct);
        var record = await new ZooPushStep(config, state, reporter).RunAsync(model, ct);
        return new ImportOutcome(imported, package.Record, serving, record);
    }
}
