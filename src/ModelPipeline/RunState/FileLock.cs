using System.Collections.Concurrent;
using ModelPipeline.Errors;

namespace ModelPipeline.RunState;

/// <summary>
/// An exclusive lock between processes of one workspace: a lock file opened without sharing.
/// The file stays in place on release (deleting it would let a waiter and a newcomer lock two
/// different files and both think they hold the lock); the operating system releases it when the
/// holder exits, even after kill -9. Within one process (models run in parallel) waiters queue on a
/// semaphore and are handed the lock at once, without polling the file.
/// </summary>
public static class FileLock
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> InProcess = new(StringComparer.Ordinal);

    public static async Task<IDisposable> AcquireAsync(string path, TimeSpan timeout, string what, CancellationToken ct)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var deadline = DateTimeOffset.UtcNow + timeout;
        var gate = InProcess.GetOrAdd(full, _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(timeout, ct)) throw StillInUse(what, timeout, full);
        try
        {
            while (true)
            {
                try
                {
                    return new Held(new FileStream(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1), gate);
                }
                catch (IOException) when (DateTimeOffset.UtcNow < deadline)
                {
                    await Task.Delay(100, ct); // another process holds it
                }
                catch (IOException)
                {
                    throw StillInUse(what, timeout, full);
                }
            }
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    private static OperationFailedException StillInUse(string what, TimeSpan timeout, string path) =>
        new($"{what} is still in use by another modelpipe process after {timeout.TotalSeconds:F0}s (lock file {path}). Fix: wait for it to finish, or remove the lock file if no modelpipe process is running.");

    private sealed class Held(FileStream file, SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            file.Dispose();
            gate.Release();
        }
    }
}
