namespace ModelPipeline.Errors;

/// <summary>
/// A write that failed because the disk (or a quota) is full. Every writer here stages into a temp
/// file or folder beside its target and removes it on failure, so nothing half-written is kept.
/// </summary>
public static class DiskFull
{
    private const int Enospc = 28;
    private const int Edquot = 122;
    private const int WindowsDiskFull = unchecked((int)0x80070070);
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027);

    public static bool Is(Exception ex) =>
        ex is IOException { HResult: Enospc or Edquot or WindowsDiskFull or WindowsHandleDiskFull }
        || (ex is IOException io && io.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase));

    /// <summary>The expected failure for a full disk (exit 1), naming the model when there is one.</summary>
    public static OperationFailedException Explain(Exception ex, string? model) =>
        new((model is null ? "" : $"model '{model}': ") + $"the disk is full ({ex.Message.Trim()}). "
            + "What was being written was removed and nothing was published. "
            + "Fix: free space on that disk (or point workspace.artifactsDir, workspace.cacheDir or "
            + "modelcar.layoutDir at a larger one), then re-run.", ex) { Model = model };
}
