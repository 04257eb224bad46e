using System.Diagnostics;
using System.Text;

namespace ModelPipeline.Tests.Serving;

/// <summary>A modelpipe process the test controls by process id: SIGTERM, kill -9, wait. Output is collected.</summary>
public sealed class DaemonProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private DaemonProcess(Process process) => _process = process;

    public static DaemonProcess Start(string root, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "modelpipe.dll") }.Concat(args).Concat(["--root", root])) info.ArgumentList.Add(a);
        info.Environment["GITHUB_ACTIONS"] = null;
        info.Environment["GITLAB_CI"] = null;
        info.Environment["CI"] = "true";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (k, v) in env ?? new Dictionary<string, string?>()) info.Environment[k] = v;
        var process = Process.Start(info)!;
        var daemon = new DaemonProcess(process);
        process.OutputDataReceived += (_, e) => { lock (daemon._output) daemon._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (daemon._output) daemon._output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return daemon;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Sends SIGTERM, as systemd and docker stop do.</summary>
    public void Terminate() => Process.Start("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    /// <summary>kill -9: no chance to clean up.</summary>
    public void KillHard()
    {
        try { _process.Kill(entireProcessTree: false); } catch (InvalidOperationException) { }
        _process.WaitForExit();
    }

    /// <summary>kill -9 of the process and every process it started (git and its children), as systemd's stop does on timeout.</summary>
    public void KillTree()
    {
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit();
    }

    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the timeout passes (then the test fails with the output).</summary>
    public async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.False(HasExited, $"the process exited before {what}:{Environment.NewLine}{Output}");
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}:{Environment.NewLine}{Output}");
            await Task.Delay(200);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) KillHard();
        _process.Dispose();
    }
}
