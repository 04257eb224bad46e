namespace ModelPipeline.Progress;

/// <summary>
/// How the library tells the outside world what it is doing. The CLI renders it for a terminal,
/// GitHub Actions, GitLab CI or a plain log; tests use <see cref="NullReporter"/> or record it.
/// </summary>
public interface IPipelineReporter
{
    void Info(string? model, string message);

    void Warning(string? model, string message);

    /// <summary>One line of output from a child process (a trainer, git).</summary>
    void Output(string? model, string line);

    /// <summary>Starts a byte-counting progress (a download, an upload); dispose it when done.</summary>
    ITransferProgress StartTransfer(string? model, string description, long? totalBytes);
}

public interface ITransferProgress : IDisposable
{
    void Advance(long bytes);
}

public sealed class NullReporter : IPipelineReporter
{
    public static readonly NullReporter Instance = new();

    public void Info(string? model, string message) { }

    public void Warning(string? model, string message) { }

    public void Output(string? model, string line) { }

    public ITransferProgress StartTransfer(string? model, string description, long? totalBytes) => NullTransfer.Instance;

    private sealed class NullTransfer : ITransferProgress
    {
        public static readonly NullTransfer Instance = new();

        public void Advance(long bytes) { }

        public void Dispose() { }
    }
}
