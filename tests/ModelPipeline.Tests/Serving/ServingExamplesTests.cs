using System.Text.Json;
using System.Text.RegularExpressions;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Serving;

/// <summary>The operator examples under pipelines/serving/ stay true: systemd accepts the unit, and the command lines they run parse.</summary>
public sealed class ServingExamplesTests : IDisposable
{
    private static readonly string Dir = Path.Combine(TestWorld.RepoRoot(), "pipelines", "serving");
    private readonly TestWorld _world = new();

    public void Dispose() => _world.Dispose();

    [SystemdFact]
    public void Systemd_accepts_the_unit()
    {
        var (code, output) = Tools.Run("systemd-analyze", "verify", Path.Combine(Dir, "modelpipe-sync.service"));
        Assert.True(code == 0 && output.Trim().Length == 0, output);
    }

    [Fact]
    public async Task The_unit_and_the_container_run_a_sync_daemon_command_line_modelpipe_accepts()
    {
        var unit = File.ReadAllText(Path.Combine(Dir, "modelpipe-sync.service"));
        var execStart = Regex.Match(unit, "^ExecStart=/usr/bin/dotnet /opt/modelpipe/modelpipe.dll (.+)$", RegexOptions.Multiline).Groups[1].Value.Split(' ');
        var container = File.ReadAllText(Path.Combine(Dir, "Containerfile"));
        var cmd = JsonSerializer.Deserialize<string[]>(Regex.Match(container, "^CMD (.+)$", RegexOptions.Multiline).Groups[1].Value)!;
        Assert.Equal(["sync", "--daemon", "--file", "/etc/modelpipe/sync.json"], execStart);
        Assert.Equal(execStart, cmd);

        // The same arguments with a sync file that does not exist here: a clear exit 2 about the file, not a parse error.
        var result = await Modelpipe.RunAsync(_world.Root, [.. execStart[..^1], Path.Combine(_world.Root, "missing", "sync.json")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("sync file not found", result.StdErr);
    }
}

/// <summary>A test that needs systemd-analyze; skipped with the reason when it is missing.</summary>
public sealed class SystemdFactAttribute : FactAttribute
{
    public SystemdFactAttribute()
    {
        if (!Tools.Has("systemd-analyze")) Skip = "systemd-analyze is not installed (Debian's systemd package)";
    }
}
