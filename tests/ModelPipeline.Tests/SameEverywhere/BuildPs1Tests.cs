using System.Text.RegularExpressions;
using ModelPipeline.Tests.Ci;
using ModelPipeline.Tests.Docs;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.SameEverywhere;

/// <summary>
/// build.ps1 is build.sh for PowerShell users: in a fresh clone, PowerShell 7.6 (the dotnet tool, on Linux here)
/// lists the same targets, passes a target its arguments (<c>--version</c> as Cake's <c>--model-version</c>), and
/// refuses with the same exit code and error as build.sh.
/// </summary>
public sealed partial class BuildPs1Tests : IDisposable
{
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    [CiToolFact("pwsh")]
    public async Task Build_ps1_lists_the_targets_passes_arguments_and_refuses_as_build_sh_does()
    {
        var clone = await WorkingTreeClone.CreateAsync(_world.Root);
        async Task<((int Code, string Output) Sh, (int Code, string Output) Ps)> Both(string arguments) =>
            (await DocBlocks.RunAsync($"./build.sh {arguments}", clone),
             await DocBlocks.RunAsync($"pwsh -NoProfile -NonInteractive -File ./build.ps1 {arguments}", clone,
                 Path.Combine(CiTools.Prefix, "bin")));

        var list = await Both("");
        Assert.True(list.Sh.Code == 0, list.Sh.Output);
        Assert.True(list.Ps.Code == 0, list.Ps.Output);
        var targets = Targets(list.Sh.Output);
        Assert.Contains("Publish", targets);
        Assert.Contains("Promote", targets);
        Assert.Equal(targets, Targets(list.Ps.Output));

        var noNumber = await Both("Promote --model iris --version");
        Assert.Equal((2, 2), (noNumber.Sh.Code, noNumber.Ps.Code));
        Assert.Contains("error: --version needs a number (./build.ps1 Promote", noNumber.Ps.Output,
            StringComparison.Ordinal);

        // The version reaches modelpipe promote through Cake, which keeps --version for itself.
        var missing = await Both("Promote --model iris --version 99");
        Assert.True(missing.Sh.Code != 0, missing.Sh.Output);
        Assert.Equal(missing.Sh.Code, missing.Ps.Code);
        var error = ErrorLine(missing.Sh.Output);
        Assert.Contains("v99", error, StringComparison.Ordinal);
        Assert.Equal(error, ErrorLine(missing.Ps.Output));

        var definition = Path.Combine(clone, "models", "iris", "model.json");
        File.WriteAllText(definition, File.ReadAllText(definition).Replace("\"owners\"", "\"ownerz\"",
            StringComparison.Ordinal));
        var broken = await Both("Check --model iris");
        Assert.True(broken.Sh.Code == 2, broken.Sh.Output);
        Assert.True(broken.Ps.Code == 2, broken.Ps.Output);
        Assert.Contains("models/iris/model.json", broken.Ps.Output, StringComparison.Ordinal);
        Assert.Equal(ErrorLine(broken.Sh.Output), ErrorLine(broken.Ps.Output));
    }

    private static List<string> Targets(string description) =>
        [.. TargetRow().Matches(description).Select(m => m.Groups[1].Value)];

    private static string ErrorLine(string output) =>
        output.Split('\n').FirstOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"no error line in:\n{output}");

    [GeneratedRegex(@"^  ([A-Z][A-Za-z]+) {2,}", RegexOptions.Multiline)]
    private static partial Regex TargetRow();
}
