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
        var load = new Option<bool>("--load")
        {
            Description = "Also load the image into the Docker engine (DOCKER_HOST or the default socket) and smoke-test /models in a container (--network none, uid 1010).",
        };
        var command = Verb.PerModel("package", "Package each validated model as a KServe ModelCar OCI image (files under /models) and record its digest.",
            async (ctx, model, ct) =>
            {
                using var registries = new RegistryConnector(ctx.Config.Registry, ctx.Output);
                var outcome = await new ModelCarPackager(ctx.Config, ctx.State, ctx.Output, registries).PackageAsync(model, ct);
                var r = outcome.Record;
                var detail = $"{r.Destination} {r.Repository}:{r.Tag} {r.Digest[..19]}…, {outcome.BytesWritten} bytes written";
                if (ctx.Parse.GetValue(load))
                    detail += "; " + await new ModelCarLoader(ctx.Config, ctx.State, ctx.Output).LoadAsync(r, ct);
                return new StepResult
                {
                    Model = model.Name,
                    Step = "package",
                    Result = outcome.Skipped ? "skipped" : r.Warnings.Count > 0 ? "warning" : "ok",
                    Detail = detail,
                    Data = r,
                };
            });
        command.Options.Add(load);
        return command;
    }
}
