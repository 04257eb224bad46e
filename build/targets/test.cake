Task("Test")
    .Description("Runs every test project (unit and integration tests against real components).")
    .IsDependentOn("Compile")
    .IsDependentOn("CheckCi")
    .Does(() =>
{
    // Installs/starts the real components the integration tests use (docker-registry, skopeo,
    // busybox-static, htpasswd, dockerd); never fails: tests that lack one skip with the reason.
    StartProcess("bash", new ProcessSettings { Arguments = $"{repoRoot}/build/scripts/test-deps.sh", WorkingDirectory = repoRoot });
    // Each test builds its own world: this invocation's run id (report.cake) must not reach the verbs
    // the tests start, or they would journal into those worlds.
    System.Environment.SetEnvironmentVariable("MODELPIPE_RUN_ID", null);
    var results = $"{repoRoot}/artifacts/test-results";
    CleanDirectory(results);
    var failed = false;
    try
    {
        DotNetTest($"{repoRoot}/Pipeline.sln", new DotNetTestSettings
        {
            Configuration = configuration,
            NoBuild = true,
            NoLogo = true,
            // trx for the closing line below; JUnit XML (JunitXml.TestLogger) for GitLab's and GitHub's test views.
            Loggers = { "trx", $"junit;LogFilePath={results}/{{assembly}}.junit.xml;MethodFormat=Class;FailureBodyFormat=Verbose", "console;verbosity=normal" },
            ResultsDirectory = results,
            // MODELPIPE_TEST_FILTER narrows the run (a dotnet test --filter expression), e.g. when a test
            // runs the generated CI pipeline's own test job under gitlab-ci-local.
            Filter = EnvironmentVariable("MODELPIPE_TEST_FILTER"),
        });
    }
    catch (Exception)
    {
        failed = true;
    }
    // One plain closing line that CI log readers understand: "N passed, N failed".
    int passed = 0, failedCount = 0, skipped = 0;
    foreach (var trx in GetFiles($"{results}/*.trx"))
    {
        var counters = System.Xml.Linq.XDocument.Load(trx.FullPath).Descendants().First(e => e.Name.LocalName == "Counters");
        passed += int.Parse(counters.Attribute("passed").Value);
        failedCount += int.Parse(counters.Attribute("failed").Value);
        skipped += int.Parse(counters.Attribute("notExecuted").Value);
        // Every skipped test with its reason (e.g. "no Docker engine is reachable"), never silently.
        foreach (var result in System.Xml.Linq.XDocument.Load(trx.FullPath).Descendants().Where(e => e.Name.LocalName == "UnitTestResult" && (string)e.Attribute("outcome") == "NotExecuted"))
            Console.WriteLine($"skipped: {(string)result.Attribute("testName")}: {result.Descendants().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value.Trim()}");
    }
    Console.WriteLine($"{passed} passed, {failedCount} failed, {skipped} skipped");
    if (failed || failedCount > 0) throw new CakeException(1, "tests failed");
});
