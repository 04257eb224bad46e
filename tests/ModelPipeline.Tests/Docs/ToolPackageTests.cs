using System.IO.Compression;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Docs;

/// <summary>
/// The README's "Using modelpipe from another models repository": the tool package, packed from this repository's
/// build as PackTool packs it, installed by the README's block into a models repository that is not this one.
/// </summary>
public sealed partial class ToolPackageTests
{
    private static readonly string Repo = TestWorld.RepoRoot();

    [Fact]
    public async Task The_packed_tool_installs_in_another_models_repository_prints_its_commit_and_checks_a_model()
    {
        using var world = new TestWorld();
        var packages = Path.Combine(world.Root, "ModelPipeline", "artifacts", "tool");
        var package = await PackAsync(world.Root, packages);

        // Framework-dependent, with the native libraries of linux-x64 only (every runtime's made it ~350 MB).
        using (var zip = ZipFile.OpenRead(package))
        {
            var runtimes = zip.Entries.Select(e => RuntimeOf().Match(e.FullName))
                .Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct().ToList();
            Assert.Equal(["linux-x64"], runtimes);
            Assert.Contains(zip.Entries,
                e => e.FullName.EndsWith("/linux-x64/native/libonnxruntime.so", StringComparison.Ordinal));
        }
        Assert.InRange(new FileInfo(package).Length, 1, 64L * 1024 * 1024);

        var models = await ModelsRepositoryAsync(world.Root);
        var run = await DocBlocks.RunAsync(DocBlocks.Read("README.md", "tool-from-another-repository"), models);

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.True(File.Exists(Path.Combine(models, ".tools", "modelpipe")), run.Output);
        var version = Version().Match(run.Output);
        Assert.True(version.Success, run.Output);
        await Tools.RunOkAsync("git", "-C", Repo, "cat-file", "-e", version.Groups["commit"].Value + "^{commit}");
        Assert.Contains("modelpipe: take a model from a definition in git", run.Output, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"^iris\s+check\s+ok\b", RegexOptions.Multiline), run.Output);
    }

    /// <summary>dotnet pack of the CLI as built for the tests (the same _IsPacking build PackTool runs).</summary>
    private static async Task<string> PackAsync(string worldRoot, string output)
    {
        var project = Path.Combine(Repo, "src", "ModelPipeline.Cli", "ModelPipeline.Cli.csproj");
        var pack = await CliWrap.Cli.Wrap("dotnet")
            .WithArguments(["pack", project, "-c", "Release", "--no-build", "--nologo", "-o", output,
                $"-p:PublishDir={Path.Combine(worldRoot, "publish")}/"])
            .WithEnvironmentVariables(e => e.Set("DOTNET_NOLOGO", "1").Set("DOTNET_CLI_TELEMETRY_OPTOUT", "1"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();
        Assert.True(pack.ExitCode == 0, pack.StandardOutput + pack.StandardError);
        return Directory.GetFiles(output, "modelpipe.*.nupkg").Single();
    }

    /// <summary>
    /// A models repository of its own: iris, the model schema and pipeline.json, copied from this one. Its nuget.config
    /// clears the package sources (only the README's --add-source counts) and gives the install its own package folder,
    /// so no other modelpipe package, cached or published, can stand in for the one just packed.
    /// </summary>
    private static async Task<string> ModelsRepositoryAsync(string worldRoot)
    {
        var models = Path.Combine(worldRoot, "models-repo");
        Directory.CreateDirectory(models);
        var files = await Tools.RunOkAsync("git", "-C", Repo, "ls-files", "-z", "models/iris",
            "models/model.schema.json", "pipeline.json", "pipeline.schema.json");
        foreach (var rel in files.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(models, rel))!);
            File.Copy(Path.Combine(Repo, rel), Path.Combine(models, rel));
        }
        await File.WriteAllTextAsync(Path.Combine(models, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{Path.Combine(worldRoot, "nuget-packages")}" /></config>
              <packageSources><clear /></packageSources>
            </configuration>
            """);
        await Tools.RunOkAsync("git", "-C", models, "init", "--quiet");
        return models;
    }

    [GeneratedRegex(@"/runtimes/([^/]+)/")]
    private static partial Regex RuntimeOf();

    [GeneratedRegex(@"^1\.0\.0\+(?<commit>[0-9a-f]{40})$", RegexOptions.Multiline)]
    private static partial Regex Version();
}
