using System.CommandLine;
using ModelPipeline.Cli.Output;
using ModelPipeline.Importing;
using ModelPipeline.Models;

namespace ModelPipeline.Cli.Commands;

/// <summary>The <c>import</c> verb: publish a model trained elsewhere as a zoo version (docs/import.md).</summary>
internal static class ImportCommands
{
    public static Command Import()
    {
        var name = new Argument<string>("NAME") { Description = "The model (models/NAME/model.json with \"training\": { \"backend\": \"import\" })." };
        var from = new Option<string>("--from")
        {
            Description = "Where the files are: " + ImportSource.Supported + ".",
            Required = true,
        };
        var sha256 = new Option<string?>("--sha256")
        {
            Description = "The expected sha256 of the file (required for http(s)), or of a folder (as the import prints it).",
        };
        var metrics = new Option<string?>("--metrics") { Description = "A metrics.json (JSON object of numbers) for the validation gate." };
        var command = new Command("import",
            "Publish a model trained elsewhere as a zoo version: validation gate, ModelCar, SBOM, provenance, signature; " +
            "the source is recorded as its lineage.") { name, from, sha256, metrics };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var model = ModelCatalog.Load(ctx.Root, [parse.GetValue(name)!]).Single();
            var request = new ImportRequest { From = parse.GetValue(from)!, Sha256 = parse.GetValue(sha256), MetricsFile = parse.GetValue(metrics) };
            return await Verb.RunRowsAsync(ctx, "import", [model], m => m.Name, m => m.Name, async m =>
            {
                var outcome = await new ModelImport(ctx.Config, ctx.State, ctx.Output).RunAsync(m, request, ct);
                var lineage = outcome.Import.Training.ImportedFrom!;
                var zoo = outcome.Zoo;
                return new StepResult
                {
                    Model = m.Name,
                    Step = "import",
                    Result = zoo.AlreadyPublished ? "skipped" : "ok",
                    Detail = $"{lineage.Kind} {lineage.Uri} (sha256 {lineage.Sha256[..12]}) → v{zoo.Version} {zoo.Digest[..19]}…" +
                        (zoo.AlreadyPublished ? " (already published)" : ""),
                    Data = new
                    {
                        trainingKey = outcome.Import.Training.TrainingKey,
                        importedFrom = lineage,
                        layout = outcome.Import.Layout,
                        version = zoo.Version,
                        alreadyPublished = zoo.AlreadyPublished,
                        digest = zoo.Digest,
                        reference = zoo.Reference,
                        storageUri = zoo.StorageUri,
                        attestations = outcome.Package.Attestations,
                        signature = zoo.Image?.Signature,
                        servingCheck = outcome.ServingCheck.Status,
                    },
                };
            });
        }, ct));
        return command;
    }
}
