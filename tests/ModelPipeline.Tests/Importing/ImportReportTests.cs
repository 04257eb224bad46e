using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Importing;

/// <summary>The report's lineage of an imported version names its source, as the zoo record does.</summary>
public sealed class ImportReportTests
{
    [Fact]
    public async Task The_report_shows_where_an_imported_version_came_from_in_its_lineage()
    {
        using var world = new TestWorld();
        ImportKit.Configure(world);
        ImportKit.WriteModel(world);
        ImportKit.WriteHfFolder(Path.Combine(world.Root, "trained", "bert-tiny"));
        var import = await ImportKit.ImportAsync(world, "bert-tiny", "--from", "trained/bert-tiny");
        Assert.True(import.ExitCode == 0, import.All);
        var manifest = await ImportKit.ZooManifestAsync(world, "bert-tiny", 1);
        var sha = manifest["importedFrom"]!["sha256"]!.GetValue<string>();

        var report = await Modelpipe.RunAsync(world.Root, ["report"], ImportKit.Env(world));

        Assert.True(report.ExitCode == 0, report.All);
        var html = await File.ReadAllTextAsync(Path.Combine(world.ArtifactsDir, "report", "models", "bert-tiny.html"));
        var start = html.IndexOf("<h4>Lineage</h4>", StringComparison.Ordinal);
        var lineage = html[start..html.IndexOf("<h4>Image</h4>", start, StringComparison.Ordinal)];
        Assert.Contains("<dt>Imported from</dt><dd><code>trained/bert-tiny</code> "
            + "<span class=\"muted\">(folder, a Hugging Face-style folder)</span></dd>", lineage,
            StringComparison.Ordinal);
        Assert.Contains($"<dt>Source sha256</dt><dd><code title=\"sha256:{sha}\">", lineage, StringComparison.Ordinal);
        Assert.Contains("<dt>Imported at</dt>", lineage, StringComparison.Ordinal);
        Assert.DoesNotContain("importedFrom", html, StringComparison.Ordinal); // not repeated as a raw field
    }
}
