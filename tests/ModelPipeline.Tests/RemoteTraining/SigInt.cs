using System.Diagnostics;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.RemoteTraining;

/// <summary>Runs the real modelpipe process and sends it SIGINT (what Ctrl-C sends), or another signal, once a condition holds.</summary>
public static class SigInt
{
    public static async Task<Modelpipe.Result> RunUntilAsync(string root, string[] args, IReadOnlyDictionary<string, string?> env, Func<bool> ready,
        string signal = "-INT")
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = root };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "modelpipe.dll") }.Concat(args).Concat(["--root", root])) info.ArgumentList.Add(a);
        info.Environment["CI"] = "true";
        info.Environment.Remove("GITHUB_ACTIONS");
        info.Environment.Remove("GITLAB_CI");
        foreach (var (k, v) in env) if (v is null) info.Environment.Remove(k); else info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        while (!ready() && !process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(100);
        if (!process.HasExited) Tools.Run("kill", signal, process.Id.ToString());
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new Modelpipe.Result(process.ExitCode, await stdout, await stderr);
    }
}
