using System.CommandLine;
using ModelPipeline.Cli.Output;
using ModelPipeline.Oci;
using ModelPipeline.Packaging;

namespace ModelPipeline.Cli.Commands;

/// <summary>The <c>package</c> verb: PackageModelCar.</summary>
internal static class PackageCommands
{
    public static Command Package()
    {
        var command = Verb.PerModel("package", "Package each validated model as a KServe ModelCar OCI image (files under /models) and record its digest.",
            async (ctx, model, ct) =>
            {
                using var registries = new RegistryConnector(ctx.Config.Registry, ctx.Output);
                var outcome = await new ModelCarPackager(ctx.Config, ctx.State, ctx.Output, registries).PackageAsync(model, ct);
                var r = outcome.Record;
                return new StepResult
                {
                    Model = model.Name,
                    Step = "package",
                    Result = outcome.Skipped ? "skipped" : r.Warnings.Count > 0 ? "warning" : "ok",
                    Detail = $"{r.Destination} {r.Repository}:{r.Tag} {r.Digest[..19]}…, {outcome.BytesWritten} bytes written",
                    Data = r,
                };
            });
        return command;
    }
}
