using ModelPipeline.Errors;

namespace ModelPipeline.Serving;

/// <summary>
/// An exclusive lock on a file (flock on Linux, released by the kernel when the process dies, even by
/// kill -9). The file stays in place: deleting it on release would let two processes lock two inodes.
/// </summary>
public static class ProcessLock
{
    /// <summary>Takes the lock, waiting up to <paramref name="wait"/>; throws <see cref="OperationFailedException"/> naming <paramref name="holder"/> after that.</summary>
    public static async Task<IDisposable> AcquireAsync(string path, TimeSpan wait, string holder, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = DateTimeOffset.UtcNow + wait;
        while (true)
        {
            try
            {
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
                // Who holds it, for the message another process prints (the lock file itself is unreadable to others).
                RunState.AtomicFile.WriteAllText(path + ".pid", $"{Environment.ProcessId}\n");
                return stream;
            }
            catch (IOException) when (DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(200, ct);
            }
            catch (IOException)
            {
                throw new OperationFailedException($"{holder} holds the lock {path}{Owner(path)}. Fix: stop the other process first (there is one daemon per host), or wait for its pass to end.");
            }
        }
    }

    private static string Owner(string path)
    {
        try
        {
            var pid = File.ReadAllText(path + ".pid").Trim();
            return pid.Length == 0 ? "" : $" (process {pid})";
        }
        catch (IOException)
        {
            return "";
        }
    }
}
