using ModelPipeline.Errors;

namespace ModelPipeline.RunState;

/// <summary>
/// An exclusive lock between processes of one workspace: a lock file opened without sharing.
/// The file stays in place on release (deleting it would let a waiter and a newcomer lock two
/// different files and both think they hold the lock); the operating system releases it when the
/// holder exits, even after kill -9.
/// </summary>
public static class FileLock
{
    public static async Task<IDisposable> AcquireAsync(string path, TimeSpan timeout, string what, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
            }
            catch (IOException) when (DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(100, ct);
            }
            catch (IOException)
            {
                throw new OperationFailedException($"{what} is still in use by another modelpipe process after {timeout.TotalSeconds:F0}s (lock file {path}). Fix: wait for it to finish, or remove the lock file if no modelpipe process is running.");
            }
        }
    }
}
