Task("Compile")
    .Description("Builds Pipeline.sln once per invocation (every step target depends on it).")
    .Does(() =>
{
    DotNetBuild($"{repoRoot}/Pipeline.sln", new DotNetBuildSettings
    {
        Configuration = configuration,
        NoLogo = true,
        Verbosity = DotNetVerbosity.Quiet,
    });
});
