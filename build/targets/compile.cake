// Compile is skipped when its inputs are unchanged: a stamp next to the build output holds a sha256
// over every source and project file of Pipeline.sln (src/, tests/, the model trainers, the repo-wide
// settings). Any change, a missing stamp or missing output builds again. CI builds once per commit and hands
// the CLI's build output (with this stamp) to every job: a step job finds the stamp current and never compiles
// (only Test needs the test assembly too).
Task("Compile")
    .Description("Builds Pipeline.sln; skipped when no source or project file changed since the last build (a stamp of their sha256).")
    .Does(() =>
{
    var stamp = $"{repoRoot}/src/ModelPipeline.Cli/bin/{configuration}/compile.stamp";
    var inputs = CompileInputsDigest();
    var tests = $"{repoRoot}/tests/ModelPipeline.Tests/bin/{configuration}/net10.0/ModelPipeline.Tests.dll";
    var outputs = Argument("target", "Default") == "Test" ? new[] { modelpipeDll, tests } : new[] { modelpipeDll };
    if (System.IO.File.Exists(stamp) && System.IO.File.ReadAllText(stamp).Trim() == inputs && outputs.All(System.IO.File.Exists))
    {
        Information($"Compile: sources and projects unchanged (stamp {inputs.Substring(0, 12)}); skipped.");
        return;
    }
    Information($"Compile: building Pipeline.sln (inputs {inputs.Substring(0, 12)})");
    DotNetBuild($"{repoRoot}/Pipeline.sln", new DotNetBuildSettings
    {
        Configuration = configuration,
        NoLogo = true,
        Verbosity = DotNetVerbosity.Quiet,
    });
    ReadyToRun();
    System.IO.File.WriteAllText(stamp, inputs + "\n");
});

// The CLI's build output is compiled ahead of time (ReadyToRun) for this machine's runtime: a verb then starts
// without JIT-compiling its code first and runs optimised code from its first call (a 1,000-model no-op Publish
// took 7.1–7.8 s instead of 10.1–10.7 s, see docs/benchmarks.md). The same folder and the same modelpipe.dll,
// so every caller is unchanged; the IL build stays where ReadyToRun cannot run (it warns, the CLI still works).
void ReadyToRun()
{
    var rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
    try
    {
        DotNetPublish($"{repoRoot}/src/ModelPipeline.Cli/ModelPipeline.Cli.csproj", new DotNetPublishSettings
        {
            Configuration = configuration,
            Runtime = rid,
            SelfContained = false,
            OutputDirectory = System.IO.Path.GetDirectoryName(modelpipeDll),
            NoLogo = true,
            Verbosity = DotNetVerbosity.Quiet,
            MSBuildSettings = new DotNetMSBuildSettings().WithProperty("PublishReadyToRun", "true"),
        });
    }
    catch (Exception ex)
    {
        Warning($"Compile: ReadyToRun for {rid} failed ({ex.Message}); modelpipe runs from the IL build (slower start).");
    }
}

// sha256 over the sorted relative paths and contents of everything the build reads.
string CompileInputsDigest()
{
    var root = new System.IO.DirectoryInfo(repoRoot);
    var files = new List<string>();
    foreach (var name in new[] { "Pipeline.sln", "Directory.Build.props", "Directory.Packages.props", "global.json", ".editorconfig", "nuget.config", "NuGet.config" })
        if (System.IO.File.Exists(System.IO.Path.Combine(repoRoot, name))) files.Add(name);
    foreach (var dir in new[] { "src", "tests", "models" })
    {
        var full = System.IO.Path.Combine(repoRoot, dir);
        if (!System.IO.Directory.Exists(full)) continue;
        foreach (var file in System.IO.Directory.EnumerateFiles(full, "*", System.IO.SearchOption.AllDirectories))
        {
            var rel = System.IO.Path.GetRelativePath(repoRoot, file).Replace('\\', '/');
            var parts = rel.Split('/');
            if (parts.Any(p => p == "bin" || p == "obj")) continue;
            // Under models/ only the trainer projects are built; data and model.json are not build inputs.
            if (dir == "models" && !(rel.EndsWith(".cs") || rel.EndsWith(".csproj") || rel.EndsWith(".props") || rel.EndsWith(".targets"))) continue;
            files.Add(rel);
        }
    }
    files.Sort(StringComparer.Ordinal);
    using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
    sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"compile/1\n{configuration}\n"));
    foreach (var rel in files)
    {
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(rel + "\n"));
        sha.AppendData(System.IO.File.ReadAllBytes(System.IO.Path.Combine(repoRoot, rel)));
    }
    return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
}

// The installable tool: dotnet tool install --tool-path DIR --add-source artifacts/tool modelpipe
// (a models repository can then run modelpipe without building this solution; --version prints the commit).
Task("PackTool")
    .Description("Packs modelpipe as a dotnet tool package into artifacts/tool/ (dotnet tool install --add-source artifacts/tool modelpipe).")
    .Does(() =>
{
    DotNetPack($"{repoRoot}/src/ModelPipeline.Cli/ModelPipeline.Cli.csproj", new DotNetPackSettings
    {
        Configuration = configuration,
        OutputDirectory = $"{repoRoot}/artifacts/tool",
        NoLogo = true,
        Verbosity = DotNetVerbosity.Quiet,
    });
});
