using ModelPipeline.Progress;
using ModelPipeline.RunState;

namespace ModelPipeline.Training;

/// <summary>
/// Removes training staging folders (<c>runs/&lt;key&gt;/output.&lt;id&gt;.tmp</c>) that a killed run left.
/// A staging folder only exists while its run holds that key's lock, so a folder whose key lock is free
/// belongs to no live process. Keys locked now (a run in progress, this one included) are left alone.
/// </summary>
internal static class StagingSweep
{
    public static async Task RunAsync(RunStateStore state, string model, IPipelineReporter reporter, CancellationToken ct)
    {
        var runs = Path.Combine(state.ModelDir(model), "runs");
        if (!Directory.Exists(runs)) return;
        foreach (var runDir in Directory.EnumerateDirectories(runs))
        {
            var stale = Directory.EnumerateDirectories(runDir, "output.*.tmp").ToList();
            if (stale.Count == 0) continue;
            var key = Path.GetFileName(runDir);
            IDisposable held;
            try
            {
                held = await FileLock.AcquireAsync(LockPath(state, model, key), TimeSpan.Zero, $"training key {key}", ct);
            }
            catch (Errors.OperationFailedException)
            {
                continue; // a live run holds this key
            }
            using (held)
            {
                foreach (var dir in stale)
                {
                    Directory.Delete(dir, recursive: true);
                    reporter.Info(model, $"removed {Path.GetRelativePath(state.Root, dir)}, left by a training run that was stopped");
                }
            }
        }
    }

    /// <summary>The lock a training run holds for its key while it trains.</summary>
    public static string LockPath(RunStateStore state, string model, string key) =>
        Path.Combine(state.ModelDir(model), "locks", $"train-{key}.lock");
}
