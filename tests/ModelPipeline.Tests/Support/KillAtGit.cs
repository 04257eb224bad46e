namespace ModelPipeline.Tests.Support;

/// <summary>
/// Kills modelpipe with SIGKILL at a named git step, deterministically: a <c>git</c> wrapper first on PATH
/// runs the real git for every command except the first one whose arguments start with
/// <paramref name="argsPrefix"/> in a folder whose path contains <paramref name="inFolder"/>. That one
/// sends SIGKILL to its parent (the modelpipe process, which starts git directly) and never runs.
/// </summary>
public sealed class KillAtGit
{
    private readonly string _bin;
    private readonly string _mark;

    public KillAtGit(TestWorld world, string argsPrefix, string inFolder)
    {
        _bin = Path.Combine(world.Root, ".kill-bin");
        _mark = Path.Combine(world.Root, ".kill-armed");
        Directory.CreateDirectory(_bin);
        var realGit = Tools.Run("sh", "-c", "command -v git").Output.Trim();
        var script = Path.Combine(_bin, "git");
        File.WriteAllText(script, $$"""
            #!/bin/sh
            case "$(pwd)" in *{{inFolder}}*)
              case "$*" in "{{argsPrefix}}"*)
                if [ -f "{{_mark}}" ]; then rm -f "{{_mark}}"; kill -9 $PPID; sleep 30; exit 1; fi;;
              esac;;
            esac
            exec {{realGit}} "$@"
            """.Replace("\r", "", StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The environment for the run to kill: the wrapper first on PATH, armed for one kill.</summary>
    public Dictionary<string, string?> Armed()
    {
        File.WriteAllText(_mark, "");
        return new() { ["PATH"] = _bin + ":" + Environment.GetEnvironmentVariable("PATH") };
    }

    /// <summary>Whether the kill happened (the wrapper removes its mark when it fires).</summary>
    public bool Fired => !File.Exists(_mark);
}
