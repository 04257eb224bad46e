// The run journal and the HTML report (docs/report.md).
// One run id per ./build.sh invocation (kept when CI set it): every modelpipe verb this run starts
// records its rows under artifacts/runs/<MODELPIPE_RUN_ID>/, and Report renders the run page.
if (string.IsNullOrEmpty(EnvironmentVariable("MODELPIPE_RUN_ID")))
    System.Environment.SetEnvironmentVariable("MODELPIPE_RUN_ID",
        $"{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N").Substring(0, 8)}");

var reportWritten = false;

Task("Report")
    .Description("Writes the static HTML report of the zoo and the recorded runs to artifacts/report/ (modelpipe report); Publish ends with it.")
    .IsDependentOn("Compile")
    .Does(() =>
{
    reportWritten = true;
    Modelpipe("report");
});

// A failed Publish still gets its run page (the report shows what failed); the build keeps its failure.
Teardown(ctx =>
{
    if (ctx.Successful || reportWritten || Argument("target", "Default") != "Publish" || HasArgument("plan") || !System.IO.File.Exists(modelpipeDll)) return;
    var failedExit = modelpipeExitCode;
    try
    {
        Modelpipe("report");
    }
    catch (Exception ex)
    {
        Warning($"the report of the failed run could not be written: {ex.Message}");
    }
    modelpipeExitCode = failedExit;
});
